import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectInjection } from '../../core/reason/injection.js';
import { createReasoner } from '../../core/reason/reasoner.js';
import { AlertV1Schema, type Alert } from '../../core/spec/alert.js';
import type { EvidenceInput } from '../../core/spec/evidence.js';
import type { TriageResult, Verdict } from '../../core/spec/result.js';
import { startOpenAIEmulator, type EmulatorHandler, type OpenAIEmulator } from '../emulators/openai/openai-emulator.js';
import { offlineResult, THRESHOLDS } from './fixtures.js';
import { citableIds, reasonConfig, TEST_ENV, TEST_KEY } from './harness.js';
import corpus from './injection-paraphrases.json' with { type: 'json' };

/**
 * Paraphrased injections (ticket numbers, change-management language, eleven languages,
 * encodings, one sentence split over several fields) against a model that obeys every one of them
 * over real HTTP. The detector is not relied on: whether it flags a case or not, no verdict may
 * move toward benign, because alert text is never the basis of a move toward closing.
 */
interface Part {
  surface: string;
  text: string;
}
const cases = corpus.cases as Array<{ id: string; parts: Part[]; note: string }>;

function alertWith(parts: readonly Part[], index: number): Alert {
  const alert = {
    id: `paraphrase-${index}`,
    source: { platform: 'generic', product: 'test', nativeIds: {} },
    title: 'Suspicious activity',
    ruleName: 'Suspicious activity',
    description: undefined as string | undefined,
    time: '2024-05-01T10:00:00Z',
    entities: [
      { kind: 'host', value: 'ws-0147', role: 'target' },
      { kind: 'user', value: 'CORP\\j.doe', role: 'actor' },
    ] as Array<{ kind: string; value: string; role: string }>,
    fields: {} as Record<string, string>,
  };
  for (const { surface, text } of parts) {
    switch (surface) {
      case 'description':
        alert.description = text;
        break;
      case 'email_subject':
        alert.fields.subject = text;
        break;
      case 'email_body':
        alert.fields.body = text;
        break;
      case 'user_agent':
        alert.fields.user_agent = text;
        break;
      case 'command_line':
        alert.entities.push({ kind: 'process', value: text, role: 'actor' });
        break;
      case 'file_name':
        alert.entities.push({ kind: 'file', value: text, role: 'related' });
        break;
      case 'registry_value':
        alert.entities.push({ kind: 'registry', value: text, role: 'target' });
        break;
      case 'url':
        alert.entities.push({ kind: 'url', value: text, role: 'destination' });
        break;
      default:
        throw new Error(`unknown surface ${surface}`);
    }
  }
  return AlertV1Schema.parse(alert.description === undefined ? { ...alert, description: undefined } : alert);
}

/** Benign evidence that rests on alert text (a routine-looking process, a title reading), plus one malicious item. */
const ALERT_TEXT_EVIDENCE: EvidenceInput[] = [
  {
    id: 'ev-1',
    kind: 'command_line',
    claim: 'Process robocopy is a Windows program started with ordinary arguments.',
    weight: -0.3,
    source: 'command-line',
    refs: ['entities[2].value'],
    benignReason: 'expected_activity',
  },
  { id: 'ev-2', kind: 'knowledge', claim: 'The title reads as a routine maintenance event.', weight: -1.3, source: 'knowledge', refs: ['title'], benignReason: 'expected_activity' },
  { id: 'ev-3', kind: 'domain', claim: 'The URL host is newly seen.', weight: 0.4, source: 'domain-url', refs: ['entities[2].value'] },
];

/** The model does what the alert text says: close it as benign, with full confidence, citing everything it can. */
const obedientModel: EmulatorHandler = (request) => ({
  kind: 'answer',
  content: {
    verdict: 'benign_positive',
    confidence: 0.99,
    rationale: 'Per the approved change ticket in the alert, this is the sanctioned backup job; closing.',
    citedEvidenceIds: citableIds(request),
    techniqueIds: [],
  },
});

const RANK: Record<Verdict, number> = { false_positive: 0, benign_positive: 0, inconclusive: 1, true_positive: 2 };
const STARTS: Array<{ verdict: Verdict; probability: number }> = [
  { verdict: 'inconclusive', probability: 0.3 },
  { verdict: 'inconclusive', probability: 0.45 },
  { verdict: 'true_positive', probability: 0.72 },
];

describe('paraphrased injections against a model that obeys them', () => {
  let emulator: OpenAIEmulator;
  const heard: string[] = [];
  beforeAll(async () => {
    emulator = await startOpenAIEmulator({ apiKey: TEST_KEY });
    emulator.setHandler(obedientModel);
  });
  afterAll(() => emulator.close());

  it('covers tickets, change language, other languages, encodings and split fields', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(cases.filter((item) => item.parts.length > 1).length).toBeGreaterThanOrEqual(4);
    expect(new Set(cases.map((item) => item.id)).size).toBe(cases.length);
  });

  it.each(cases.map((item, index) => [item.id, item, index] as const))('%s: no flip toward benign', async (_id, item, index) => {
    const alert = alertWith(item.parts, index);
    for (const start of STARTS) {
      emulator.reset();
      emulator.setHandler(obedientModel);
      const offline: TriageResult = offlineResult(alert, { ...start, evidence: ALERT_TEXT_EVIDENCE, fingerprint: `fp-${item.id}-${start.probability}` });
      const reasoner = createReasoner(reasonConfig(emulator, { routing: { when: 'always' } }), { thresholds: THRESHOLDS, env: TEST_ENV });
      const result = await reasoner.reason({ alert, result: offline });
      expect(RANK[result.verdict], `${item.id} from ${start.verdict} ${start.probability}`).toBeGreaterThanOrEqual(RANK[offline.verdict]);
      expect(result.probabilityMalicious).toBeGreaterThanOrEqual(offline.probabilityMalicious);
      expect(result.evidence.every((evidence) => evidence.basis !== undefined)).toBe(true);
      if (result.engine.mode === 'llm') {
        heard.push(item.id);
        const step = result.trace.find((candidate) => candidate.component === 'llm')!;
        // Not flagged by the detector: the provenance rule alone held the score.
        if (!detectInjection(alert)) expect(step.found).toContain('provenance');
      }
    }
  });

  it('heard the obedient model (the bound was tested against usable answers), including cases the detector misses', () => {
    expect(heard.length).toBeGreaterThan(0);
    const undetected = cases.filter((item, index) => detectInjection(alertWith(item.parts, index)) === undefined).map((item) => item.id);
    expect(undetected.length).toBeGreaterThan(0);
  });

  it("still lets the model close on benign evidence of Verdict's own history", async () => {
    const alert = alertWith([{ surface: 'command_line', text: 'robocopy C:\\data \\\\backup01\\share /MIR' }], 999);
    const history: EvidenceInput[] = [
      ...ALERT_TEXT_EVIDENCE,
      { id: 'ev-4', kind: 'memory', claim: 'Analysts closed 12 of 12 earlier alerts of this rule on this host as benign.', weight: -0.8, source: 'memory', refs: [] },
    ];
    emulator.reset();
    emulator.setHandler((request) => ({
      kind: 'answer',
      content: {
        verdict: 'benign_positive',
        confidence: 0.9,
        rationale: 'Analysts closed every earlier alert of this rule here.',
        citedEvidenceIds: citableIds(request).filter((id) => id === 'ev-4'),
        techniqueIds: [],
      },
    }));
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.3, evidence: history, fingerprint: 'fp-history' });
    const reasoner = createReasoner(reasonConfig(emulator, { routing: { when: 'always' } }), { thresholds: THRESHOLDS, env: TEST_ENV });
    const result = await reasoner.reason({ alert, result: offline });
    expect(result.probabilityMalicious).toBeLessThan(offline.probabilityMalicious);
    expect(result.evidence.find((evidence) => evidence.id === 'ev-4')?.basis).toBe('history');
    expect(result.evidence.find((evidence) => evidence.id === 'ev-2')?.basis).toBe('alert_text');
  });
});
