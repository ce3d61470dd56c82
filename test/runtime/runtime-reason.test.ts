import { describe, expect, it } from 'vitest';
import { answer, useReasoningRuntime } from '../reason/harness.js';

/** A real discovery command on a server: weak evidence alone, so the offline engine abstains. */
const ALERT = {
  id: 'rt-1',
  source: { platform: 'verdict', product: 'Sysmon' },
  title: 'Account discovery on a server',
  ruleName: 'Account discovery',
  severity: 'medium',
  time: '2026-03-01T10:00:00.000Z',
  entities: [
    { kind: 'host', value: 'app07', role: 'target' },
    { kind: 'user', value: 'svc_web', role: 'actor' },
    { kind: 'process', value: 'whoami /all', role: 'actor', properties: { image: 'C:\\Windows\\System32\\whoami.exe', commandLine: 'whoami /all', parentImage: 'C:\\Windows\\System32\\cmd.exe' } },
  ],
};

describe('runtime with the LLM stage', () => {
  const running = useReasoningRuntime({ maxLogitShift: 2 });

  it('re-proposes actions by policy when the model moves the verdict, and writes the egress record to the audit log', async () => {
    running.emulator.setHandler(() => answer({ verdict: 'true_positive', confidence: 0.95 }));
    const { results, failures } = await running.runtime.triageRecords([ALERT], { platform: 'verdict', source: 'test' });
    expect(failures).toEqual([]);
    const [result] = results;
    expect(result!.engine.mode).toBe('llm');
    expect(result!.verdict).toBe('true_positive');
    // The offline verdict only opened a case; the policy now proposes containment, behind approval.
    const actions = result!.recommendedActions.map((action) => action.action);
    expect(actions).toContain('isolate_host');
    expect(result!.recommendedActions.find((action) => action.action === 'isolate_host')!.requiresApproval).toBe(true);
    const egress = (await running.runtime.repository.listAudit(10)).filter((entry) => entry.action === 'llm.egress');
    expect(egress).toHaveLength(1);
    expect(egress[0]!.target).toBe('rt-1');
    const record = JSON.parse(egress[0]!.detail) as { model: string; fieldsSent: string[]; requests: unknown[] };
    expect(record.model).toBe('gpt-test');
    expect(record.requests.length).toBeGreaterThan(0);
    expect(JSON.stringify(record)).not.toContain('svc_web');
  });
});
