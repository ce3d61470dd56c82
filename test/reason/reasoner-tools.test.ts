import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createReasoner } from '../../core/reason/reasoner.js';
import type { ReasonTools } from '../../core/reason/reason-tools.js';
import { bitsadminAlert, offlineResult, THRESHOLDS } from './fixtures.js';
import { answer, hasTools, reasonConfig, TEST_ENV, toolMessages, useOpenAIEmulator } from './harness.js';

describe('reasoner: investigation tools', () => {
  const emulator = useOpenAIEmulator((running) => running.setHandler(undefined));

  const alert = bitsadminAlert();
  const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });

  it('bounds the loop: tool turns, then an answer without tools, then one repair, then degraded', async () => {
    const tools: ReasonTools = { lookupThreatIntel: vi.fn(async () => ({ matches: [] })) };
    // A model that never stops asking for tools.
    emulator.setHandler(() => ({ kind: 'tool_calls', calls: [{ name: 'lookupThreatIntel', arguments: { indicator: 'www.atomicredteam.io' } }] }));
    const reasoner = createReasoner(reasonConfig(emulator, { tools: { maxSteps: 2 } }), { thresholds: THRESHOLDS, env: TEST_ENV, tools });
    const result = await reasoner.reason({ alert, result: offline });

    const requests = emulator.completionRequests();
    expect(requests).toHaveLength(4);
    expect(requests.map(hasTools)).toEqual([true, true, false, false]);
    expect(tools.lookupThreatIntel).toHaveBeenCalledTimes(2);
    expect(result.engine.mode).toBe('degraded');
    expect(result.trace.filter((step) => step.component === 'tool:lookupThreatIntel')).toHaveLength(2);
  });

  it('caps the calls honoured per turn', async () => {
    const tools: ReasonTools = { lookupThreatIntel: vi.fn(async () => ({ matches: [] })) };
    const calls = Array.from({ length: 6 }, (_, index) => ({ name: 'lookupThreatIntel', arguments: { indicator: `203.0.113.${index}` } }));
    emulator.enqueue({ kind: 'tool_calls', calls }, answer({ verdict: 'inconclusive', confidence: 0.5 }));
    const reasoner = createReasoner(reasonConfig(emulator, { tools: { maxCallsPerStep: 2 } }), { thresholds: THRESHOLDS, env: TEST_ENV, tools });
    await reasoner.reason({ alert, result: offline });
    expect(tools.lookupThreatIntel).toHaveBeenCalledTimes(2);
    // Every call still gets a tool message (the API requires it); the extra ones say why they were refused.
    const replies = toolMessages(emulator.completionRequests()[1]!);
    expect(replies).toHaveLength(6);
    expect(replies[5]!.content).toContain('at most 2 tool calls per turn');
  });

  it('restores pseudonyms for the tool, pseudonymizes its result for the model, and traces a digest', async () => {
    const history = { host: 'swachchhanda', lastLogonFrom: '10.20.30.40', dispositions: ['benign_positive', 'benign_positive'] };
    const lookupEntityHistory = vi.fn(async () => history);
    emulator.setHandler((_request, index) => {
      if (index === 0) {
        return { kind: 'tool_calls', calls: [{ name: 'lookupEntityHistory', arguments: { kind: 'user', value: 'USER_1' } }] };
      }
      return answer({ verdict: 'benign_positive', confidence: 0.7, rationale: 'USER_1 on HOST_1 was closed as benign twice.', citedEvidenceIds: ['ev-2'] });
    });
    const reasoner = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV, tools: { lookupEntityHistory } });
    const result = await reasoner.reason({ alert, result: offline });

    expect(lookupEntityHistory).toHaveBeenCalledWith({ kind: 'user', value: 'xodih' }, expect.objectContaining({ signal: expect.any(AbortSignal) }));
    const sent = toolMessages(emulator.completionRequests()[1]!)[0]!.content!;
    expect(sent).toContain('<<<TOOL_RESULT');
    expect(sent).not.toContain('swachchhanda');
    expect(sent).not.toContain('10.20.30.40');
    expect(sent).toMatch(/HOST_1/);
    const step = result.trace.find((item) => item.component === 'tool:lookupEntityHistory')!;
    expect(step.checked).toContain('"value":"xodih"');
    const digest = createHash('sha256').update(JSON.stringify(history)).digest('hex');
    expect(step.found).toContain(digest.slice(0, 16));
    expect(result.summary).toContain('xodih on swachchhanda was closed as benign twice.');
  });

  it('time-boxes a tool and cuts a large result', async () => {
    const slow = vi.fn(
      (_request: unknown, context: { signal: AbortSignal }) =>
        new Promise((resolve) => {
          context.signal.addEventListener('abort', () => resolve('too late'));
        }),
    );
    const big = vi.fn(async () => ({ rows: Array.from({ length: 500 }, (_, index) => ({ index, url: `https://example.org/${index}` })) }));
    emulator.enqueue(
      {
        kind: 'tool_calls',
        calls: [
          { name: 'lookupThreatIntel', arguments: { indicator: 'www.atomicredteam.io' } },
          { name: 'searchPlatform', arguments: { query: 'index=main bitsadmin', lookbackHours: 24 } },
        ],
      },
      answer({ verdict: 'inconclusive', confidence: 0.5 }),
    );
    const reasoner = createReasoner(reasonConfig(emulator, { tools: { timeoutMs: 100, maxResultChars: 500 } }), {
      thresholds: THRESHOLDS,
      env: TEST_ENV,
      tools: { lookupThreatIntel: slow, searchPlatform: big },
    });
    const result = await reasoner.reason({ alert, result: offline });
    const intel = result.trace.find((step) => step.component === 'tool:lookupThreatIntel')!;
    expect(intel.found).toBe('failed: timed out after 100 ms');
    const search = result.trace.find((step) => step.component === 'tool:searchPlatform')!;
    expect(search.found).toContain('cut to 500 chars');
    const sent = toolMessages(emulator.completionRequests()[1]!)[1]!.content!;
    expect(sent.length).toBeLessThan(1_000);
    expect(sent).toContain('"truncated": true');
  });

  it('refuses a search that would write, before it reaches the platform', async () => {
    const searchPlatform = vi.fn(async () => ({ rows: [] }));
    emulator.enqueue({ kind: 'tool_calls', calls: [{ name: 'searchPlatform', arguments: { query: 'index=* | delete', lookbackHours: 1 } }] }, answer({ verdict: 'inconclusive', confidence: 0.5 }));
    const reasoner = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV, tools: { searchPlatform } });
    const result = await reasoner.reason({ alert, result: offline });
    expect(searchPlatform).not.toHaveBeenCalled();
    expect(result.trace.find((step) => step.component === 'tool:searchPlatform')!.found).toContain('refused');
  });

  it('offers only the tools the caller provided, and answers unknown ones with an error', async () => {
    emulator.enqueue({ kind: 'tool_calls', calls: [{ name: 'deleteUser', arguments: { user: 'USER_1' } }] }, answer({ verdict: 'inconclusive', confidence: 0.5 }));
    const reasoner = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV, tools: { lookupThreatIntel: async () => ({}) } });
    const result = await reasoner.reason({ alert, result: offline });
    const offered = (emulator.completionRequests()[0]!.body as { tools: Array<{ function: { name: string } }> }).tools.map((tool) => tool.function.name);
    expect(offered).toEqual(['lookupThreatIntel']);
    expect(toolMessages(emulator.completionRequests()[1]!)[0]!.content).toContain('unknown tool deleteUser');
    expect(result.engine.mode).toBe('llm');
  });
});
