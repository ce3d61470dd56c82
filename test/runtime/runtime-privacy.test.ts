import { describe, expect, it } from 'vitest';
import { answer, useReasoningRuntime } from '../reason/harness.js';

/**
 * Issue 11, finding 12, end to end: a batch of weak discovery alerts across several hosts goes
 * through the whole pipeline to the model. What the model receives includes context claims built
 * from the other alerts ("host ws01, host ws02 …"), a URL with user:password@ and a mailbox on a
 * bare host name; no host, user, credential or mailbox of any alert may be in any request body.
 */
const HOSTS = ['ws01', 'ws02', 'fin-laptop-7', 'db-7', 'hr-desk-3'];
const USERS = ['bob.smith', 'carol.jones', 'svc_backup', 'dave.k', 'erin.w'];

/** Hours of routine alerts on every host first, so each has a baseline and a new alert type on it is news. */
function routineAlerts(): Record<string, unknown>[] {
  return Array.from({ length: 10 }, (_, hour) =>
    HOSTS.map((host, index) => ({
      id: `routine-${hour}-${index}`,
      source: { platform: 'verdict', product: 'Sysmon' },
      title: 'Scheduled inventory scan',
      ruleName: 'Inventory scan',
      severity: 'low',
      time: new Date(Date.parse('2026-03-01T00:00:00.000Z') + hour * 3_600_000 + index * 1000).toISOString(),
      entities: [{ kind: 'host', value: host, role: 'target' }],
    })),
  ).flat();
}

function discoveryAlert(index: number): Record<string, unknown> {
  return {
    id: `priv-${index}`,
    source: { platform: 'verdict', product: 'Sysmon' },
    title: `Account discovery on ${HOSTS[index]}`,
    ruleName: `Account discovery ${index % 2 === 0 ? 'A' : 'B'}`,
    severity: 'medium',
    time: `2026-03-01T10:0${index}:00.000Z`,
    description: index === 4 ? 'fetched https://svc_backup:Hunter2!@files.example.com/dump.zip; mail to x@localhost' : 'whoami run by hand',
    entities: [
      { kind: 'host', value: HOSTS[index], role: 'target' },
      { kind: 'user', value: USERS[index], role: 'actor' },
      { kind: 'process', value: 'whoami /all', role: 'actor', properties: { image: 'C:\\Windows\\System32\\whoami.exe', commandLine: 'whoami /all', parentImage: 'C:\\Windows\\System32\\cmd.exe' } },
    ],
  };
}

describe('what leaves for the model, over a whole batch', () => {
  const running = useReasoningRuntime({ routing: { when: 'always' }, budget: { perHour: 10_000_000 } });

  it('sends no identifier of any alert, including those quoted in claims built from the others', async () => {
    running.emulator.setHandler(() => answer({ verdict: 'inconclusive', confidence: 0.5 }));
    const { failures } = await running.runtime.triageRecords([...routineAlerts(), ...HOSTS.map((_, index) => discoveryAlert(index))], { platform: 'verdict', source: 'test' });
    expect(failures).toEqual([]);
    const bodies = running.emulator.requests.map((request) => request.rawBody);
    expect(bodies.length, 'the alerts reached the model').toBeGreaterThan(0);
    const sent = bodies.join('\n');
    // The claims built from other alerts were among what was sent (else this test proves nothing).
    expect(sent).toMatch(/other hosts or accounts/);
    expect(sent).toMatch(/files\.example\.com/);
    for (const secret of [...HOSTS, ...USERS, 'Hunter2', 'x@localhost']) expect(sent.toLowerCase(), secret).not.toContain(secret.toLowerCase());
  });
});
