// npm run bench -- --out FILE.json [--data DIR] [--config F]
// Streams every AIT file in DIR through the offline pipeline in one process (normalize → triage →
// serialize) and, in the same run, through the floor (JSON parse + serialize of the same alerts).
// Memory stays bounded: rows are streamed in batches, never loaded whole.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LatencyRecorder } from '../../core/backtest/latency.js';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { loadConfig } from '../../core/config/load-config.js';
import { normalizeWithFieldMap } from '../../core/normalize/field-map-normalize.js';
import { createOfflineEngine } from '../../core/runtime/engine-factory.js';
import { streamAitRows } from '../eval/ait-source.js';
import { discoverDatasets } from '../eval/datasets.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../eval/render-ait.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/eval' },
    out: { type: 'string', default: 'out/bench.json' },
    config: { type: 'string' },
    batch: { type: 'string', default: '2000' },
  },
});

const loaded = loadConfig(values.config);
const fieldMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const batchSize = Number(values.batch);
const sources = discoverDatasets(values.data!).filter((source) => source.kind === 'ait');
if (sources.length === 0) throw new Error(`no AIT-like data set under ${values.data}`);

let peakRss = process.memoryUsage().rss;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

/** Streams each file as batches of JSON text lines (what a SIEM export or webhook delivers). */
async function* batches(): AsyncGenerator<string[]> {
  for (const source of sources) {
    if (source.kind !== 'ait') continue;
    let batch: string[] = [];
    for await (const row of streamAitRows(source.file, source.scenario)) {
      batch.push(JSON.stringify(renderAitRow(row, 'generic')));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

async function measureFloor(): Promise<{ alerts: number; seconds: number }> {
  let alerts = 0;
  let elapsed = 0;
  let sink = 0;
  for await (const batch of batches()) {
    const started = performance.now();
    for (const text of batch) sink += JSON.stringify(JSON.parse(text) as unknown).length;
    elapsed += performance.now() - started;
    alerts += batch.length;
    sampleRss();
  }
  if (sink === 0) throw new Error('floor produced nothing');
  return { alerts, seconds: elapsed / 1000 };
}

async function measurePipeline(): Promise<{ alerts: number; seconds: number; latency: LatencyRecorder }> {
  const { engine } = createOfflineEngine(loaded);
  const latency = new LatencyRecorder();
  let alerts = 0;
  let elapsed = 0;
  let sink = 0;
  for await (const batch of batches()) {
    const started = performance.now();
    for (const text of batch) {
      const begin = performance.now();
      const result = engine.triage(normalizeWithFieldMap(JSON.parse(text) as unknown, fieldMap));
      sink += JSON.stringify(result).length;
      latency.record(performance.now() - begin);
    }
    elapsed += performance.now() - started;
    alerts += batch.length;
    sampleRss();
  }
  if (sink === 0) throw new Error('pipeline produced nothing');
  return { alerts, seconds: elapsed / 1000, latency };
}

// The floor runs twice and keeps the faster pass, so JIT warm-up does not flatter the ratio.
const firstFloor = await measureFloor();
const secondFloor = await measureFloor();
const floor = firstFloor.seconds < secondFloor.seconds ? firstFloor : secondFloor;
const pipeline = await measurePipeline();
sampleRss();
const alertsPerSecond = pipeline.alerts / pipeline.seconds;
const floorAlertsPerSecond = floor.alerts / floor.seconds;
const result = {
  alerts: pipeline.alerts,
  alertsPerSecond: Math.round(alertsPerSecond),
  floorAlertsPerSecond: Math.round(floorAlertsPerSecond),
  ratioToFloor: Math.round((floorAlertsPerSecond / alertsPerSecond) * 100) / 100,
  p50Ms: pipeline.latency.percentile(0.5),
  p99Ms: pipeline.latency.percentile(0.99),
  peakRssMb: Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024),
  notes: {
    measured: 'normalize (generic field map) + triage + JSON serialize of each result, offline engine, no store writes; floor = JSON.parse + JSON.stringify of the same alert lines; reading and gunzipping the files is outside both timings',
    node: process.version,
    batchSize,
    datasets: sources.map((source) => source.name),
  },
};
mkdirSync(path.dirname(path.resolve(values.out!)), { recursive: true });
writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
