// npm run eval -- --data DIR --out FILE.json [--report FILE.html] [--config F] [--renderings generic,ocsf,splunk] [--limit N]
// Replays every data set in DIR through the platform normalizers and the offline engine, as a
// fresh deployment each, with simulated analyst feedback; writes the metrics JSON.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import type { TriageResult } from '../../core/spec/result.js';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../core/config/load-config.js';
import { runBacktest, type BacktestItem, type BacktestOptions, type BacktestReport } from '../../core/backtest/backtest.js';
import { figuresOf, pooledColdStart, runVariant, VARIANTS, worstVariant, type Figures, type Variant, type VariantResult } from './ait-variants.js';
import { renderBacktestHtml } from '../../core/backtest/report-html.js';
import { createOfflineEngine } from '../../core/runtime/engine-factory.js';
import { createNormalizer } from '../../core/runtime/normalize-registry.js';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { VERDICT_VERSION } from '../../core/version.js';
import { normalizeSplunkAlert } from '../../plugins/splunk/splunk-normalize.js';
import { normalizeElasticAlert } from '../../plugins/elastic/elastic-normalize.js';
import { normalizeSentinelAlert } from '../../plugins/sentinel/sentinel-normalize.js';
import { aitGroupKey, expectedLabel, loadAitSorted } from './ait-source.js';
import { discoverDatasets, type DatasetSource } from './datasets.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow, type Rendering } from './render-ait.js';
import { renderSigmaTest, SIGMA_EXPORT_FIELD_MAP, type SigmaVariant } from './render-sigma.js';
import { loadSigmaData, sigmaEventTime, splitByRuleDate, type SigmaTest } from './sigma-source.js';
import { headline, summarizeDataset, type DatasetSummary } from './summarize.js';
import { MetricsAccumulator } from '../../core/backtest/metrics.js';

const ALL_RENDERINGS: Rendering[] = ['generic', 'ocsf', 'splunk', 'kibana', 'graph'];

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/eval' },
    out: { type: 'string', default: 'out/eval.json' },
    config: { type: 'string' },
    renderings: { type: 'string', default: ALL_RENDERINGS.join(',') },
    limit: { type: 'string' },
    only: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    explain: { type: 'string' },
    dump: { type: 'string' },
    report: { type: 'string' },
    /** AIT production variants to run next to the continuous replay: all, none, or a list. */
    variants: { type: 'string', default: 'all' },
  },
});
const variants: Variant[] = values.variants === 'none' ? [] : values.variants === 'all' ? [...VARIANTS] : (values.variants!.split(',').map((value) => value.trim()) as Variant[]);
for (const variant of variants) if (!VARIANTS.includes(variant)) throw new Error(`--variants: unknown variant ${variant}; use all, none or some of ${VARIANTS.join(', ')}`);
const variantPool = new Map<string, MetricsAccumulator>();

const renderings = values.renderings!.split(',').map((value) => value.trim()) as Rendering[];
for (const rendering of renderings) {
  if (!ALL_RENDERINGS.includes(rendering)) throw new Error(`--renderings: unknown rendering ${rendering}; use ${ALL_RENDERINGS.join(', ')}`);
}
const limit = values.limit === undefined ? undefined : Number(values.limit);
const loaded = loadConfig(values.config);
const normalizer = createNormalizer([]);
const aitMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const sigmaMap = FieldMapSchema.parse(SIGMA_EXPORT_FIELD_MAP);
const log = (text: string): void => {
  if (!values.quiet) process.stderr.write(`${text}\n`);
};

/** Runs one data set in one rendering as a fresh deployment (`extra`: a production variant's options). */
async function replay(items: BacktestItem[], fieldMap: typeof aitMap, extra: Partial<BacktestOptions> = {}): Promise<BacktestReport> {
  const { engine } = createOfflineEngine(loaded);
  const dump = values.dump ? createDump(values.dump) : undefined;
  const explainPattern = values.explain ? new RegExp(values.explain, 'i') : undefined;
  let explained = 0;
  return runBacktest(items, {
    engine,
    // --explain PATTERN prints the evidence of wrongly decided alerts whose group matches (tuning aid).
    onResult:
      explainPattern || dump
        ? (result, item) => {
            dump?.add(result, item);
            if (!explainPattern) return;
            const isWrong =
              item.expected === 'malicious'
                ? result.verdict === 'benign_positive' || result.verdict === 'false_positive'
                : item.expected === 'benign' && result.verdict !== 'benign_positive' && result.verdict !== 'false_positive';
            if (!isWrong || explained >= 6 || !explainPattern.test(item.groupKey ?? result.ruleName) || result.duplicateOf) return;
            explained += 1;
            log(`-- ${result.alertId} ${result.alertTime} expected ${item.expected} got ${result.verdict} p=${result.probabilityMalicious}`);
            for (const evidence of result.evidence) log(`   ${evidence.weight.toFixed(2).padStart(6)} [${evidence.source}] ${evidence.claim.slice(0, 200)}`);
          }
        : undefined,
    ...extra,
    normalize: (native, platform) =>
      platform === 'splunk'
        ? normalizeSplunkAlert(native)
        : platform === 'kibana'
          ? normalizeElasticAlert(native)
          : platform === 'graph'
            ? normalizeSentinelAlert(native)
            : normalizer.normalize(native, { platform: platform ?? 'generic', fieldMap }),
  });
}

/**
 * --dump FILE appends one JSON line per distinct verdict (duplicates counted on their original):
 * its group, label and evidence weights by kind. A tuning aid for weights; not part of the report.
 */
function createDump(file: string) {
  const records = new Map<string, { g: string | undefined; e: string; n: number; p: number; ev: Array<[string, number]> }>();
  process.on('beforeExit', () => {
    if (records.size === 0) return;
    appendFileSync(file, [...records.values()].map((record) => JSON.stringify(record)).join('\n') + '\n');
    records.clear();
  });
  return {
    add(result: TriageResult, item: BacktestItem): void {
      if (item.expected === 'ambiguous') return;
      if (result.duplicateOf) {
        const original = records.get(result.duplicateOf);
        if (original && original.g === item.groupKey) original.n += 1;
        else records.set(result.alertId, { g: item.groupKey, e: item.expected, n: 1, p: result.probabilityMalicious, ev: records.get(result.duplicateOf)?.ev ?? [] });
        return;
      }
      const ev = result.evidence.map((evidence): [string, number] => [
        `${evidence.source}:${
          evidence.refs.find((ref) => ref.startsWith('taxonomy:')) ??
          evidence.claim
            .replace(/"[^"]*"/g, 'X')
            .split(' ')
            .slice(0, 5)
            .join(' ')
        }`,
        evidence.weight,
      ]);
      records.set(result.alertId, { g: item.groupKey, e: item.expected, n: 1, p: result.probabilityMalicious, ev });
    },
  };
}

/**
 * The README's per-label view of AIT, from the group rows (group keys carry both labels): for each
 * attack step (event_label) how many rows stayed open, and for each time window how many closed.
 */
function aitLabelBreakdown(report: BacktestReport): Record<string, Record<string, { rows: number; closed: number; share: number }>> {
  const byEvent: Record<string, { rows: number; closed: number; share: number }> = {};
  const byWindow: Record<string, { rows: number; closed: number; share: number }> = {};
  const add = (table: typeof byEvent, key: string, rows: number, closed: number): void => {
    const entry = (table[key] ??= { rows: 0, closed: 0, share: 0 });
    entry.rows += rows;
    entry.closed += closed;
    entry.share = entry.closed / entry.rows;
  };
  for (const group of report.groups) {
    const [, , , timeLabel, eventLabel] = group.group.split(' | ');
    if (timeLabel === undefined || eventLabel === undefined) continue;
    add(byEvent, eventLabel, group.alerts, group.closed);
    add(byWindow, timeLabel, group.alerts, group.closed);
  }
  return { closedByEventLabel: byEvent, closedByTimeLabel: byWindow };
}

function aitItems(rows: Awaited<ReturnType<typeof loadAitSorted>>, rendering: Rendering): BacktestItem[] {
  return rows.map((row) => ({ native: renderAitRow(row, rendering), platform: rendering, expected: expectedLabel(row.labels), groupKey: aitGroupKey(row) }));
}

function sigmaItems(tests: readonly SigmaTest[], rendering: Rendering, variant: SigmaVariant): BacktestItem[] {
  return tests.map((test) => ({
    native: renderSigmaTest(test, rendering, variant),
    platform: rendering,
    expected: test.labels.expectedVerdict === 'true_positive' ? 'malicious' : 'benign',
    expectedTechniques: test.labels.expectedTechniques,
  }));
}

async function evaluate(
  source: DatasetSource,
): Promise<{ byRendering: Record<string, DatasetSummary>; blind?: Record<string, DatasetSummary>; protocol?: SigmaProtocol; variants?: Record<string, VariantResult> }> {
  const byRendering: Record<string, DatasetSummary> = {};
  if (source.kind === 'ait') {
    let rows = await loadAitSorted(source.file, source.scenario);
    if (limit !== undefined) rows = rows.slice(0, limit);
    for (const rendering of renderings) {
      const report = await replay(aitItems(rows, rendering), aitMap);
      byRendering[rendering] = summarizeDataset(report);
      log(`${source.name} [${rendering}] ${formatLine(byRendering[rendering]!)}`);
    }
    // Production variants, on the primary rendering: restarts, shuffled arrival, seeds, group feedback, cold start.
    const byVariant: Record<string, VariantResult> = { continuous: { figures: figuresOf(byRendering[renderings[0]!]!.metrics) } };
    const items = aitItems(rows, renderings[0]!);
    const times = new Map(
      items.map((item, index) => {
        const time = rows[index]!.time;
        return [item, time < 1e11 ? time * 1000 : time] as const;
      }),
    );
    for (const variant of variants) {
      byVariant[variant] = await runVariant(
        variant,
        items,
        (item) => times.get(item)!,
        (variantItems, extra) => replay(variantItems, aitMap, extra),
        { createEngine: () => createOfflineEngine(loaded).engine },
        variantPool,
      );
      log(
        `${source.name} [${variant}] ${formatFigures(byVariant[variant]!.figures)}${byVariant[variant]!.coldStart ? ` benign called true_positive ${byVariant[variant]!.coldStart!.benignCalledTruePositive} of ${byVariant[variant]!.coldStart!.benign}` : ''}`,
      );
    }
    return { byRendering, variants: byVariant };
  }
  const sigmaData = loadSigmaData(source.directory);
  for (const skipped of sigmaData.skipped) log(`${source.name}: skipped test ${skipped.testId}: ${skipped.reason}`);
  let tests = sigmaData.tests;
  tests.sort((left, right) => Date.parse(sigmaEventTime(left.events[0])) - Date.parse(sigmaEventTime(right.events[0])));
  if (limit !== undefined) tests = tests.slice(0, limit);
  const blind: Record<string, DatasetSummary> = {};
  // The generalisation protocol: rules split by creation date, each half replayed blind as its own deployment.
  const halves = splitByRuleDate(tests);
  const order = new Map(tests.map((test, index) => [test.testId, index]));
  const inReplayOrder = (half: typeof tests) => [...half].sort((left, right) => order.get(left.testId)! - order.get(right.testId)!);
  const protocol: SigmaProtocol = { skipped: sigmaData.skipped, layouts: sigmaData.layouts, develop: {}, validate: {} };
  for (const rendering of renderings) {
    byRendering[rendering] = summarizeDataset(await replay(sigmaItems(tests, rendering, 'full'), sigmaMap));
    blind[rendering] = summarizeDataset(await replay(sigmaItems(tests, rendering, 'blind'), sigmaMap));
    for (const half of ['develop', 'validate'] as const) {
      const halfTests = inReplayOrder(halves[half]);
      const summary = summarizeDataset(await replay(sigmaItems(halfTests, rendering, 'blind'), sigmaMap));
      const dates = halfTests.map((test) => test.rule.date).sort();
      protocol[half][rendering] = {
        tests: halfTests.length,
        ruleDates: [dates[0] ?? '', dates.at(-1) ?? ''],
        blindTechniqueRecall: summary.techniques?.parent.recall ?? null,
        blindTechniqueRecallExact: summary.techniques?.exact.recall ?? null,
        blindTechniquePrecision: summary.techniques?.parent.precision ?? null,
        abstainRate: summary.metrics.abstainRate,
        ece: summary.metrics.ece,
      };
    }
    log(
      `${source.name} [${rendering}] ${formatLine(byRendering[rendering]!)} blind techniques recall ${format(blind[rendering]!.techniques?.parent.recall)} (exact ${format(blind[rendering]!.techniques?.exact.recall)}); develop half ${format(protocol.develop[rendering]!.blindTechniqueRecall)}, validation half ${format(protocol.validate[rendering]!.blindTechniqueRecall)} (rules from ${protocol.validate[rendering]!.ruleDates[0]}); skipped ${sigmaData.skipped.length}`,
    );
  }
  return { byRendering, blind, protocol };
}

/** Sigma develop / validate halves (by rule creation date), the layouts read and the tests skipped with their reason. */
interface SigmaProtocol {
  skipped: Array<{ testId: string; reason: string }>;
  layouts: Record<string, number>;
  develop: Record<string, SigmaHalf>;
  validate: Record<string, SigmaHalf>;
}
interface SigmaHalf {
  tests: number;
  ruleDates: [string, string];
  blindTechniqueRecall: number | null;
  blindTechniqueRecallExact: number | null;
  blindTechniquePrecision: number | null;
  abstainRate: number | null;
  ece: number | null;
}

function formatLine(summary: DatasetSummary): string {
  const m = summary.metrics;
  return `alerts ${m.alerts} recall ${format(m.truePositiveRecall)} precision ${format(m.autoClosePrecision)} reduction ${format(m.reduction)} abstain ${format(m.abstainRate)} groupRecall ${format(m.groupRecall)} groupReduction ${format(m.groupReduction)} ece ${format(m.ece)} (${Math.round(summary.throughput.alertsPerSecond)} alerts/s)`;
}

function formatFigures(figures: Figures): string {
  return `recall ${format(figures.truePositiveRecall)} precision ${format(figures.autoClosePrecision)} reduction ${format(figures.reduction)} groupRecall ${format(figures.groupRecall)} groupReduction ${format(figures.groupReduction)} ece ${format(figures.ece)} missed ${figures.missedAttacks}`;
}

function format(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(4);
}

const sources = discoverDatasets(values.data!).filter((source) => !values.only || source.name.startsWith(values.only));
const primary = renderings[0]!;
const output = {
  datasets: {} as Record<string, unknown>,
  baselines: { ruleMemory: {} as Record<string, unknown>, ruleHostMemory: {} as Record<string, unknown>, closeNothing: {} as Record<string, unknown> },
  renderings: {} as Record<string, Record<string, unknown>>,
  blindVariant: {} as Record<string, Record<string, unknown>>,
  details: {} as Record<string, unknown>,
  /** Each source pooled over its data sets (e.g. all AIT scenarios): rows pooled, groups weighted once. */
  aggregates: {} as Record<string, unknown>,
  /** AIT production variants per scenario; pooled figures and the worst variant per metric are under aggregates.ait. */
  variants: {} as Record<string, Record<string, VariantResult>>,
  engine: { version: VERDICT_VERSION, config: loaded.file ?? 'defaults', configDigest: createOfflineEngine(loaded).engine.configDigest, primaryRendering: primary, renderings },
};
const reports: Array<{ name: string; report: BacktestReport }> = [];
const pools = new Map<string, { metrics: MetricsAccumulator; ruleMemory: MetricsAccumulator; ruleHostMemory: MetricsAccumulator; closeNothing: MetricsAccumulator }>();
for (const source of sources) {
  const { byRendering, blind, protocol, variants: byVariant } = await evaluate(source);
  if (byVariant) output.variants[source.name] = byVariant;
  const main = byRendering[primary]!;
  reports.push({ name: source.name, report: main.report });
  const family = source.name.includes('/') ? source.name.slice(0, source.name.indexOf('/')) : undefined;
  const accumulators = main.report.accumulators;
  if (family && accumulators) {
    const pool = pools.get(family) ?? { metrics: new MetricsAccumulator(), ruleMemory: new MetricsAccumulator(), ruleHostMemory: new MetricsAccumulator(), closeNothing: new MetricsAccumulator() };
    pool.metrics.merge(accumulators.metrics);
    pool.ruleMemory.merge(accumulators.ruleMemory);
    pool.ruleHostMemory.merge(accumulators.ruleHostMemory);
    pool.closeNothing.merge(accumulators.closeNothing);
    pools.set(family, pool);
  }
  const blindMain = blind?.[primary];
  output.datasets[source.name] = {
    ...main.headline,
    techniqueAccuracy: source.kind === 'sigma' ? (main.techniques?.accuracy ?? null) : null,
    blindTechniqueRecall: blindMain?.techniques ? blindMain.techniques.parent.recall : null,
    blindTechniqueRecallExact: blindMain?.techniques ? blindMain.techniques.exact.recall : null,
    ...(protocol
      ? {
          blindTechniqueRecallDevelop: protocol.develop[primary]?.blindTechniqueRecall ?? null,
          blindTechniqueRecallValidate: protocol.validate[primary]?.blindTechniqueRecall ?? null,
          skipped: protocol.skipped.length,
        }
      : {}),
  };
  output.baselines.ruleMemory[source.name] = main.baselines.ruleMemory;
  output.baselines.ruleHostMemory[source.name] = main.baselines.ruleHostMemory;
  output.baselines.closeNothing[source.name] = main.baselines.closeNothing;
  output.renderings[source.name] = Object.fromEntries(Object.entries(byRendering).map(([rendering, summary]) => [rendering, summary.headline]));
  if (blind) output.blindVariant[source.name] = Object.fromEntries(Object.entries(blind).map(([rendering, summary]) => [rendering, { ...summary.headline, techniques: summary.techniques }]));
  output.details[source.name] = source.kind === 'ait' ? { ...main.details, perLabel: aitLabelBreakdown(main.report) } : { ...main.details, ...(protocol ? { protocol } : {}) };
}
for (const [family, pool] of pools) {
  output.aggregates[family] = {
    ...headline(pool.metrics.summary()),
    baselines: { ruleMemory: headline(pool.ruleMemory.summary()), ruleHostMemory: headline(pool.ruleHostMemory.summary()), closeNothing: headline(pool.closeNothing.summary()) },
  };
  if (family === 'ait' && variants.length > 0) {
    const pooledVariants: Record<string, Figures> = { continuous: figuresOf(pool.metrics.summary()) };
    for (const variant of variants) {
      if (variant === 'seeds') {
        const seedFigures = [...variantPool].filter(([name]) => name.startsWith('seed:')).map(([, accumulator]) => figuresOf(accumulator.summary()));
        pooledVariants.seeds = {
          ...seedFigures[0]!,
          ...Object.fromEntries(
            (['truePositiveRecall', 'autoClosePrecision', 'reduction', 'groupRecall', 'groupReduction', 'ece'] as const).map((metric) => [
              metric,
              worstVariant(Object.fromEntries(seedFigures.map((figures, index) => [String(index), figures])))[metric].value,
            ]),
          ),
        };
      } else {
        const accumulator = variantPool.get(variant);
        if (accumulator) pooledVariants[variant] = figuresOf(accumulator.summary());
      }
    }
    const coldStart = pooledColdStart();
    (output.aggregates[family] as Record<string, unknown>).variants = pooledVariants;
    (output.aggregates[family] as Record<string, unknown>).worstVariant = worstVariant(pooledVariants);
    if (coldStart) (output.aggregates[family] as Record<string, unknown>).coldStart = coldStart;
    for (const [variant, figures] of Object.entries(pooledVariants)) log(`${family} (pooled) [${variant}] ${formatFigures(figures)}`);
    if (coldStart)
      log(
        `${family} (pooled) [coldStart] benign called true_positive ${coldStart.benignCalledTruePositive} of ${coldStart.benign} (${format(coldStart.benignCalledTruePositiveShare)}), benign closed ${format(coldStart.benignClosedShare)}`,
      );
  }
  log(`${family} (pooled) ${JSON.stringify(output.aggregates[family])}`);
}
mkdirSync(path.dirname(path.resolve(values.out!)), { recursive: true });
writeFileSync(values.out!, `${JSON.stringify(output, null, 2)}\n`);
log(`wrote ${values.out}`);
if (values.report) {
  writeFileSync(values.report, renderBacktestHtml({ title: `Verdict evaluation: ${values.data}`, generatedAt: new Date().toISOString(), datasets: reports }));
  log(`wrote ${values.report}`);
}
