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
import { resultJson } from '../../core/store/result-json.js';
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

/** What the persisted triage state weighs: rows and bytes of a full snapshot, and of the per-batch deltas. */
const state = { snapshots: [] as Array<{ afterAlerts: number; rows: number; bytes: number }>, deltaRows: 0, deltaBytes: 0 };

async function measurePipeline(): Promise<{ alerts: number; seconds: number; latency: LatencyRecorder }> {
  const { engine } = createOfflineEngine(loaded);
  const latency = new LatencyRecorder();
  let alerts = 0;
  let elapsed = 0;
  let sink = 0;
  let nextSnapshot = 250_000;
  for await (const batch of batches()) {
    const started = performance.now();
    // The runtime's path: a batch is normalized, triaged as one stream segment (a second at a
    // time), serialized, and its state delta drained for the store's transaction.
    const normalized = batch.map((text) => normalizeWithFieldMap(JSON.parse(text) as unknown, fieldMap));
    const results = engine.triageBatch(normalized);
    // Serialized as the store writes it and the HTTP service sends it.
    for (const result of results) sink += resultJson(result).length;
    const delta = engine.state.drain();
    for (const row of delta.upserts) state.deltaBytes += row.body.length + row.key.length;
    state.deltaRows += delta.upserts.length + delta.deletes.length;
    const batchMs = performance.now() - started;
    elapsed += batchMs;
    for (let index = 0; index < batch.length; index += 1) latency.record(batchMs / batch.length);
    alerts += batch.length;
    sampleRss();
    if (alerts >= nextSnapshot) {
      nextSnapshot += 250_000;
      const rows = engine.state.snapshot();
      state.snapshots.push({ afterAlerts: alerts, rows: rows.length, bytes: rows.reduce((sum, row) => sum + row.body.length + row.key.length + row.part.length, 0) });
    }
  }
  const rows = engine.state.snapshot();
  state.snapshots.push({ afterAlerts: alerts, rows: rows.length, bytes: rows.reduce((sum, row) => sum + row.body.length + row.key.length + row.part.length, 0) });
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
  /** Persisted triage state: the full snapshot every 250,000 alerts (bounded: it levels off) and the deltas written per batch. */
  state: {
    maxRows: Math.max(...state.snapshots.map((snapshot) => snapshot.rows)),
    maxBytes: Math.max(...state.snapshots.map((snapshot) => snapshot.bytes)),
    snapshots: state.snapshots,
    deltaRowsPerBatch: Math.round(state.deltaRows / Math.max(1, Math.ceil(pipeline.alerts / batchSize))),
    deltaBytesPerAlert: Math.round((state.deltaBytes / pipeline.alerts) * 10) / 10,
  },
  notes: {
    measured:
      "normalize (generic field map) + triage of each batch as a stream segment + each result serialized as the store and the HTTP service do (resultJson) + the batch's state delta (serialized, not written), offline engine, no store writes; latency is per alert averaged within its batch; floor = JSON.parse + JSON.stringify of the same alert lines; reading and gunzipping the files is outside both timings",
    node: process.version,
    /** `npm run bench` runs node as the deployment files do (deploy/: NODE_OPTIONS); empty = node's defaults. */
    nodeOptions: process.env.NODE_OPTIONS ?? '',
    batchSize,
    datasets: sources.map((source) => source.name),
  },
};
mkdirSync(path.dirname(path.resolve(values.out!)), { recursive: true });
writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
