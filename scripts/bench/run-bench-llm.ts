// npm run bench:llm -- --out FILE.json [--data DIR] [--config F] [--when inconclusive-only|high-impact|sampled|always]
//                      [--share 0.02] [--limit N] [--only PREFIX] [--details FILE.json]
// Replays the AIT scenarios of DIR (default ../shared/eval) in time order through the offline engine
// (same renderer, normalizer and simulated analyst feedback as `npm run eval`), then through the
// reasoning stage's routing and dedupe against the local OpenAI emulator, and writes how often the
// model would be called: {"alerts","llmCalls","callsPer1000Alerts","tokensPerCall"}.
// llmCalls counts chat-completion requests (tool turns, repairs and retries included).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBacktest, type BacktestItem } from '../../core/backtest/backtest.js';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { loadConfig } from '../../core/config/load-config.js';
import { createReasoner } from '../../core/reason/reasoner.js';
import { createOfflineEngine } from '../../core/runtime/engine-factory.js';
import { createNormalizer } from '../../core/runtime/normalize-registry.js';
import type { Alert } from '../../core/spec/alert.js';
import type { TriageResult } from '../../core/spec/result.js';
import { startOpenAIEmulator, type EmulatorHandler } from '../../test/emulators/openai/openai-emulator.js';
import { aitGroupKey, expectedLabel, loadAitSorted } from '../eval/ait-source.js';
import { discoverDatasets } from '../eval/datasets.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../eval/render-ait.js';

const POLICIES = ['inconclusive-only', 'high-impact', 'sampled', 'always'] as const;
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/eval' },
    out: { type: 'string', default: 'out/bench-llm.json' },
    details: { type: 'string' },
    config: { type: 'string' },
    when: { type: 'string', default: 'inconclusive-only' },
    share: { type: 'string', default: '0.02' },
    limit: { type: 'string' },
    only: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const when = values.when as (typeof POLICIES)[number];
if (!POLICIES.includes(when)) throw new Error(`--when: use one of ${POLICIES.join(', ')}`);
const limit = values.limit === undefined ? undefined : Number(values.limit);
const log = (text: string): void => {
  if (!values.quiet) process.stderr.write(`${text}\n`);
};

/** A model that reads the data block and answers within the schema, citing the first evidence id. */
const emulatedModel: EmulatorHandler = (request) => {
  const messages = (request.body as { messages: Array<{ role: string; content: string | null }> }).messages;
  const user = messages.find((message) => message.role === 'user')?.content ?? '';
  const cited =
    /Evidence ids you may cite: (.*)\./
      .exec(user)?.[1]
      ?.split(', ')
      .filter((id) => id !== '(none)') ?? [];
  return {
    kind: 'answer',
    content: {
      verdict: 'inconclusive',
      confidence: 0.55,
      rationale: 'The evidence is mixed: the rule fires routinely on this host, but no analyst has dispositioned this pattern yet. Keep it open for review.',
      citedEvidenceIds: cited.slice(0, 2),
      techniqueIds: [],
    },
  };
};

const emulator = await startOpenAIEmulator({ handler: emulatedModel, keepBodies: false });
const loaded = loadConfig(values.config);
const normalizer = createNormalizer([]);
const fieldMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const totals = { alerts: 0, routedAlerts: 0, degraded: 0, tokens: 0, skipped: {} as Record<string, number>, offlineVerdicts: {} as Record<string, number> };
const perScenario: Record<string, { alerts: number; llmCalls: number }> = {};

try {
  const sources = discoverDatasets(values.data!).filter((source) => source.kind === 'ait' && (!values.only || source.name.startsWith(values.only)));
  if (sources.length === 0) throw new Error(`no AIT scenarios under ${values.data}`);
  for (const source of sources) {
    if (source.kind !== 'ait') continue;
    let rows = await loadAitSorted(source.file, source.scenario);
    if (limit !== undefined) rows = rows.slice(0, limit);
    // A fresh deployment per scenario, as the eval does: new engine, new reasoner, empty budgets.
    const { engine } = createOfflineEngine(loaded);
    let streamTimeMs = 0;
    const reasoner = createReasoner(
      { provider: { baseURL: emulator.baseURL, model: 'bench-emulated' }, routing: { when, share: Number(values.share) } },
      { thresholds: loaded.config.decide.thresholds, now: () => streamTimeMs },
    );
    const callsBefore = emulator.completionRequests().length;
    let pending: { alert: Alert; result: TriageResult } | undefined;

    // runBacktest pulls items one at a time; the model call for the previous alert finishes before
    // the next one is triaged, so the reasoner sees the stream in order.
    async function* items(): AsyncGenerator<BacktestItem> {
      for (const row of rows) {
        if (pending) await reasoner.reason(pending);
        pending = undefined;
        yield { native: renderAitRow(row, 'generic'), platform: 'generic', expected: expectedLabel(row.labels), groupKey: aitGroupKey(row) };
      }
      if (pending) await reasoner.reason(pending);
    }
    let lastAlert: Alert | undefined;
    await runBacktest(items(), {
      engine,
      normalize: (native) => {
        lastAlert = normalizer.normalize(native, { platform: 'generic', fieldMap });
        streamTimeMs = Date.parse(lastAlert.time);
        return lastAlert;
      },
      onResult: (result) => {
        pending = { alert: lastAlert!, result };
        totals.offlineVerdicts[result.verdict] = (totals.offlineVerdicts[result.verdict] ?? 0) + 1;
      },
    });
    const stats = reasoner.stats();
    const calls = emulator.completionRequests().length - callsBefore;
    perScenario[source.name] = { alerts: rows.length, llmCalls: calls };
    totals.alerts += rows.length;
    totals.routedAlerts += stats.reasoned + stats.degraded;
    totals.degraded += stats.degraded;
    totals.tokens += stats.tokens;
    for (const [reason, count] of Object.entries(stats.skipped)) totals.skipped[reason] = (totals.skipped[reason] ?? 0) + count;
    log(`${source.name}: ${rows.length} alerts, ${calls} model calls (${((calls / Math.max(rows.length, 1)) * 1000).toFixed(2)} per 1000), skipped ${JSON.stringify(stats.skipped)}`);
  }
} finally {
  await emulator.close();
}

const llmCalls = emulator.completionRequests().length;
const output = {
  alerts: totals.alerts,
  llmCalls,
  callsPer1000Alerts: round((llmCalls / Math.max(totals.alerts, 1)) * 1000),
  tokensPerCall: llmCalls === 0 ? 0 : Math.round(totals.tokens / llmCalls),
};
mkdirSync(path.dirname(path.resolve(values.out!)), { recursive: true });
writeFileSync(values.out!, `${JSON.stringify(output, null, 2)}\n`);
if (values.details) writeFileSync(values.details, `${JSON.stringify({ ...output, policy: when, ...totals, perScenario }, null, 2)}\n`);
log(`wrote ${values.out}: ${JSON.stringify(output)}`);

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
