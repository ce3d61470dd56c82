import { describe, expect, it } from 'vitest';
import { createReasoner } from '../../core/reason/reasoner.js';
import { logit, sigmoid } from '../../core/reason/score-band.js';
import { TriageResultV1Schema } from '../../core/spec/result.js';
import { bitsadminAlert, isolateHostAction, offlineResult, THRESHOLDS } from './fixtures.js';
import { answer, messagesOf, reasonConfig, TEST_ENV, useOpenAIEmulator } from './harness.js';

describe('reasoner: structured verdicts within bounds', () => {
  const emulator = useOpenAIEmulator();

  const makeReasoner = () => createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV });

  it('asks for an inconclusive alert with a strict json_schema and moves the score at most the band', async () => {
    const alert = bitsadminAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });
    emulator.enqueue(answer({ verdict: 'true_positive', confidence: 0.95, citedEvidenceIds: ['ev-1'], techniqueIds: ['T1197'] }));

    const result = await makeReasoner().reason({ alert, result: offline });

    const expected = sigmoid(logit(0.45) + 1.0);
    expect(result.probabilityMalicious).toBeCloseTo(expected, 6);
    expect(result.verdict).toBe('true_positive');
    expect(result.engine).toMatchObject({ mode: 'llm', model: 'gpt-test', promptVersion: 'triage-v1' });
    expect(result.engine.tokens).toBeGreaterThan(0);
    expect(result.attack.map((technique) => technique.id)).toContain('T1197');
    const step = result.trace.at(-1)!;
    expect(step).toMatchObject({ stage: 'reason', component: 'llm', delta: 1, evidenceIds: ['ev-1'] });
    expect(() => TriageResultV1Schema.parse(result)).not.toThrow();

    const [request] = emulator.completionRequests();
    const body = request!.body as { response_format: { type: string; json_schema: { strict: boolean; schema: { required: string[] } } } };
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema.strict).toBe(true);
    expect(body.response_format.json_schema.schema.required).toEqual(['verdict', 'confidence', 'rationale', 'citedEvidenceIds', 'techniqueIds']);
    const [system, user] = messagesOf(request!);
    expect(system!.role).toBe('system');
    expect(user!.content).toMatch(/<<<ALERT_DATA [0-9a-f]{16}>>>[\s\S]*<<<END_ALERT_DATA [0-9a-f]{16}>>>/);
  });

  it('lowers only within the band and recomputes the verdict from the thresholds', async () => {
    const alert = bitsadminAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.3 });
    // ev-2 is memory (history): benign evidence outside the alert text, the only kind a move toward closing may rest on.
    emulator.enqueue(answer({ verdict: 'benign_positive', confidence: 0.99, citedEvidenceIds: ['ev-2'] }));
    const result = await makeReasoner().reason({ alert, result: offline });
    expect(result.probabilityMalicious).toBeCloseTo(sigmoid(logit(0.3) - 1.0), 6);
    // p ≤ benign with an inconclusive offline verdict: the benign class is false_positive, not the model's.
    expect(result.verdict).toBe('false_positive');
  });

  it('does not lower the score at all when the offline evidence is strongly malicious', async () => {
    const alert = bitsadminAlert();
    const offline = offlineResult(alert, {
      verdict: 'true_positive',
      probability: 0.8,
      evidence: [{ id: 'ev-intel', kind: 'threat_intel', claim: 'The hash is a known loader.', weight: 3, source: 'intel', refs: [] }],
    });
    const reasoner = createReasoner(reasonConfig(emulator, { routing: { when: 'always' } }), { thresholds: THRESHOLDS, env: TEST_ENV });
    emulator.enqueue(answer({ verdict: 'false_positive', confidence: 1, citedEvidenceIds: ['ev-intel'] }));
    const result = await reasoner.reason({ alert, result: offline });
    expect(result.verdict).toBe('true_positive');
    expect(result.probabilityMalicious).toBe(0.8);
    expect(result.trace.at(-1)!.found).toContain('strong-evidence');
  });

  it('never adds recommended actions, whatever the answer carries', async () => {
    const alert = bitsadminAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.5, actions: [isolateHostAction('swachchhanda')] });
    emulator.enqueue(answer({ verdict: 'true_positive', confidence: 0.9, recommendedActions: [{ action: 'disable_account', target: 'xodih' }, { action: 'close_alert' }] }));
    const result = await makeReasoner().reason({ alert, result: offline });
    expect(result.engine.mode).toBe('llm');
    expect(result.recommendedActions).toEqual(offline.recommendedActions);
  });

  it('repairs once when the answer cites evidence that does not exist', async () => {
    const alert = bitsadminAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });
    emulator.enqueue(answer({ verdict: 'true_positive', confidence: 0.9, citedEvidenceIds: ['ev-99'] }), answer({ verdict: 'true_positive', confidence: 0.9, citedEvidenceIds: ['ev-2'] }));
    const result = await makeReasoner().reason({ alert, result: offline });
    expect(result.engine.mode).toBe('llm');
    expect(result.trace.at(-1)!.evidenceIds).toEqual(['ev-2']);
    const repair = messagesOf(emulator.completionRequests()[1]!).at(-1)!;
    expect(repair.role).toBe('user');
    expect(repair.content).toContain('do not exist');
    expect(repair.content).toContain('ev-1, ev-2, ev-3');
  });

  it('falls back to the offline verdict, marked degraded, after a second bad answer', async () => {
    const alert = bitsadminAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });
    emulator.enqueue({ kind: 'answer', content: 'I think it is probably fine.' }, answer({ verdict: 'maybe', confidence: 2 }));
    const result = await makeReasoner().reason({ alert, result: offline });
    expect(emulator.completionRequests()).toHaveLength(2);
    expect(result.verdict).toBe('inconclusive');
    expect(result.probabilityMalicious).toBe(0.45);
    expect(result.engine).toMatchObject({ mode: 'degraded', model: 'gpt-test', promptVersion: 'triage-v1' });
    expect(result.trace.at(-1)!.found).toContain('after one repair');
  });

  it('accepts an answer wrapped in a Markdown fence, as local models send it', async () => {
    const alert = bitsadminAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });
    const content = JSON.stringify({ verdict: 'inconclusive', confidence: 0.5, rationale: 'Not enough to decide.', citedEvidenceIds: ['ev-3'] });
    emulator.enqueue({ kind: 'answer', content: `\`\`\`json\n${content}\n\`\`\`` });
    const result = await makeReasoner().reason({ alert, result: offline });
    expect(result.engine.mode).toBe('llm');
    expect(result.probabilityMalicious).toBe(0.45);
  });
});
