import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestItem } from '../../core/backtest/backtest.js';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { loadConfig } from '../../core/config/load-config.js';
import type { LearnedDisposition } from '../../core/enrich/memory.js';
import type { TriageEngine } from '../../core/pipeline/engine.js';
import { createOfflineEngine } from '../../core/runtime/engine-factory.js';
import { createNormalizer } from '../../core/runtime/normalize-registry.js';
import type { TriageResult } from '../../core/spec/result.js';
import type { AitRow } from '../../scripts/eval/ait-source.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../../scripts/eval/render-ait.js';

// A tiny stream of one real AIT alert type (row rm-00305 of the sample: "Wazuh: Common web
// attack." on intranet_server), repeated every 10 minutes and labelled not-an-attack: the case
// where analysts' feedback should teach Verdict to close what it first calls an attack.
const T0 = 1_642_996_646;
const STEP_SECONDS = 600;
const COUNT = 30;

function stream(count = COUNT): BacktestItem[] {
  return Array.from({ length: count }, (_, index) => {
    const row: AitRow = {
      scenario: 'synthetic',
      line: index + 2,
      time: T0 + index * STEP_SECONDS,
      name: 'Wazuh: Common web attack.',
      ip: '10.143.2.4',
      host: 'intranet_server',
      short: 'W-Acc-Att',
      labels: { timeLabel: 'false_positive', eventLabel: '-' },
    };
    return { native: renderAitRow(row, 'generic'), platform: 'generic', expected: 'benign', groupKey: 'web-attack|intranet_server' };
  });
}

const normalizer = createNormalizer([]);
const fieldMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const normalize = (native: unknown) => normalizer.normalize(native, { platform: 'generic', fieldMap });

/** A fresh deployment (empty memory), wrapped to record what it learned before each triage. */
function instrumentedEngine() {
  const { engine, memory } = createOfflineEngine(loadConfig(undefined, {}));
  const log: Array<{ alertTimeMs: number; learnedBefore: LearnedDisposition[] }> = [];
  let learned: LearnedDisposition[] = [];
  const wrapped: TriageEngine = {
    get stats() {
      return engine.stats;
    },
    configDigest: engine.configDigest,
    state: engine.state,
    learn(disposition) {
      learned.push(disposition);
      engine.learn(disposition);
    },
    triage(alert) {
      log.push({ alertTimeMs: Date.parse(alert.time), learnedBefore: learned });
      learned = [];
      return engine.triage(alert);
    },
    triageBatch(alerts) {
      for (const alert of alerts) {
        log.push({ alertTimeMs: Date.parse(alert.time), learnedBefore: learned });
        learned = [];
      }
      return engine.triageBatch(alerts);
    },
  };
  return { engine: wrapped, memory, log };
}

async function replay(options: { feedbackShare: number; feedbackDelaySeconds: number }) {
  const { engine, log } = instrumentedEngine();
  const results: TriageResult[] = [];
  const report = await runBacktest(stream(), { engine, normalize: (native) => normalize(native), ...options, onResult: (result) => results.push(result) });
  return { report, results, log };
}

const isClosed = (result: TriageResult): boolean => result.verdict === 'benign_positive' || result.verdict === 'false_positive';

describe('runBacktest (shadow mode)', () => {
  it('without feedback, the repeated web-attack alert stays open and the baselines never close', async () => {
    const { report, results } = await replay({ feedbackShare: 0, feedbackDelaySeconds: 0 });
    expect(results).toHaveLength(COUNT);
    expect(results.some(isClosed)).toBe(false);
    expect(report.feedback).toMatchObject({ given: 0, share: 0, delaySeconds: 0 });
    expect(report.metrics).toMatchObject({ alerts: COUNT, scored: COUNT, reduction: 0, autoClosePrecision: null, truePositiveRecall: null });
    expect(report.baselines.ruleMemory.reduction).toBe(0);
    expect(report.baselines.closeNothing).toMatchObject({ reduction: 0, abstainRate: 1 });
  });

  it('with every label fed back at once, memory learns to close the rule, citing the analysts', async () => {
    const { report, results, log } = await replay({ feedbackShare: 1, feedbackDelaySeconds: 0 });
    expect(isClosed(results[0]!)).toBe(false);
    const firstClosed = results.findIndex(isClosed);
    expect(firstClosed).toBeGreaterThan(0);
    // Once closed, it stays closed: the history only grows.
    expect(results.slice(firstClosed).every(isClosed)).toBe(true);
    expect(results.at(-1)!.verdict).toBe('false_positive'); // analysts said false positive
    const memoryEvidence = results.at(-1)!.evidence.filter((item) => item.source === 'memory');
    expect(memoryEvidence.length).toBeGreaterThan(0);
    expect(memoryEvidence.every((item) => item.weight < 0 && /Analysts closed/.test(item.claim))).toBe(true);
    expect(results.at(-1)!.summary).toMatch(/Analysts closed/);
    // Every label but the last arrives before the next alert.
    expect(report.feedback.given).toBe(COUNT - 1);
    expect(log.map((entry) => entry.learnedBefore.length)).toEqual([0, ...Array.from({ length: COUNT - 1 }, () => 1)]);
    expect(report.metrics.reduction).toBeCloseTo((COUNT - firstClosed) / COUNT, 12);
    expect(report.metrics.autoClosePrecision).toBe(1);
    // The rule-memory baseline closes from the fourth alert on (three labels, all benign): 27 of 30.
    expect(report.baselines.ruleMemory.reduction).toBe(27 / 30);
    expect(report.baselines.ruleHostMemory.reduction).toBe(27 / 30);
    expect(report.perRule).toEqual([expect.objectContaining({ rule: 'Wazuh: Common web attack.', alerts: COUNT, benign: COUNT, closedBenign: COUNT - firstClosed })]);
  });

  it('never uses a delayed label before it is due (no look-ahead)', async () => {
    const delaySeconds = 3600;
    const { report, results, log } = await replay({ feedbackShare: 1, feedbackDelaySeconds: delaySeconds });
    for (const entry of log) {
      for (const disposition of entry.learnedBefore) expect(disposition.timeMs).toBeLessThanOrEqual(entry.alertTimeMs);
    }
    // Alert i (every 10 min) sees exactly the labels of alerts 0 … i − 6: due one hour after each.
    let total = 0;
    const cumulative = log.map((entry) => (total += entry.learnedBefore.length));
    expect(cumulative).toEqual(Array.from({ length: COUNT }, (_, index) => Math.max(0, index - 5)));
    expect(report.feedback.given).toBe(COUNT - 6);
    // So the first hour is triaged exactly as without feedback.
    const { results: blind } = await replay({ feedbackShare: 0, feedbackDelaySeconds: delaySeconds });
    expect(results.slice(0, 6).map((result) => [result.verdict, result.probabilityMalicious])).toEqual(blind.slice(0, 6).map((result) => [result.verdict, result.probabilityMalicious]));
    expect(results.slice(0, 6).some((result) => result.evidence.some((item) => item.source === 'memory'))).toBe(false);
    // The baseline waits too: three labels are due from alert 8 on, so it closes 22 of 30.
    expect(report.baselines.ruleMemory.reduction).toBe(22 / 30);
  });

  it('samples the analysts reproducibly from the seed', async () => {
    const run = async (seed: number) => {
      const { engine } = instrumentedEngine();
      return (await runBacktest(stream(), { engine, normalize, feedbackShare: 0.3, feedbackDelaySeconds: 0, seed })).feedback.given;
    };
    expect(await run(11)).toBe(await run(11));
    const given = await run(11);
    expect(given).toBeGreaterThan(0);
    expect(given).toBeLessThan(COUNT);
  });

  it('dead-letters records the normalizer rejects and goes on', async () => {
    const { engine } = instrumentedEngine();
    const items: BacktestItem[] = [{ native: { name: 'Wazuh: Common web attack.', time: 'not a time' }, expected: 'benign' }, ...stream(3)];
    const report = await runBacktest(items, { engine, normalize, feedbackShare: 0 });
    expect(report.deadLetters.count).toBe(1);
    expect(report.deadLetters.examples[0]).toMatch(/time/);
    expect(report.metrics.alerts).toBe(3);
  });
});
