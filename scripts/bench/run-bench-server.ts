// npm run bench:server -- --out FILE.json [--duration S] [--config F] [--log-level L] [--data DIR]
// Drives `verdict serve` (a child process, so load generator and server each get a core) over
// loopback with autocannon. Two workloads, both AIT-ADS rows read through the field map ids-export:
// - the bundled sample (352 alerts). Each pass shifts the alert times by a day so passes are not
//   duplicates of each other; duplicates inside the sample stay. About 65 % of these alerts are
//   originals (each takes the full enrichment and a ~4 kB result): a worst case.
// - the public AIT set in its recorded order (--data, as `npm run bench` and `bench:scale`), where
//   about 2 % are originals and the rest repeat an alert of the same flood: a real stream.
// Batch bodies are serialized before each phase, so the load generator's JSON is not measured.
// Writes {"singleRps", "p99MsAt1000Rps", "batchAlertsPerSecond", "sampleBatchAlertsPerSecond"}
// plus the settings and raw figures.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { streamAitRows } from '../eval/ait-source.js';
import { discoverDatasets } from '../eval/datasets.js';
import { renderAitRow } from '../eval/render-ait.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'out/bench-server.json' },
    duration: { type: 'string', default: '10' },
    config: { type: 'string', default: path.join(root, 'examples', 'verdict.config.yaml') },
    'log-level': { type: 'string', default: 'warn' },
    'batch-size': { type: 'string', default: '500' },
    data: { type: 'string', default: path.join(root, '..', 'shared', 'eval') },
    /** Alerts serialized ahead for each batch phase: more than the endpoint can take in --duration. */
    'batch-alerts': { type: 'string', default: '400000' },
  },
});
const duration = Number(values.duration);
const batchSize = Number(values['batch-size']);

const sample = readFileSync(path.join(root, 'examples', 'sample-alerts.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { id: string; time: number });

let sequence = 0;
/** The next sample alert, with a unique id and its time moved one day per pass over the sample. */
function nextAlert(): Record<string, unknown> {
  const index = sequence % sample.length;
  const pass = Math.floor(sequence / sample.length);
  sequence += 1;
  const alert = sample[index]!;
  return { ...alert, id: `${alert.id}-${pass}`, time: alert.time + pass * 86_400 };
}

const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'bench', 'bench-server-child.ts'), values.config!, values['log-level']!], {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const { url, token, home } = await new Promise<{ url: string; token: string; home: string }>((resolve, reject) => {
  child.once('message', (message) => resolve(message as { url: string; token: string; home: string }));
  child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
});
/** The batch bodies of a phase, serialized ahead; running out fails the bench rather than re-sending ids. */
function batchBodies(alerts: Iterable<Record<string, unknown>>): () => string {
  const bodies: string[] = [];
  let batch: Array<Record<string, unknown>> = [];
  for (const alert of alerts) {
    batch.push(alert);
    if (batch.length === batchSize) {
      bodies.push(JSON.stringify({ alerts: batch }));
      batch = [];
    }
  }
  let next = 0;
  return () => {
    if (next >= bodies.length) throw new Error(`the bench ran out of its ${bodies.length} batch bodies: raise --batch-alerts`);
    return bodies[next++]!;
  };
}

function* sampleStream(count: number): Generator<Record<string, unknown>> {
  for (let taken = 0; taken < count; taken += 1) yield nextAlert();
}

/** The public AIT scenarios one after another, each in its recorded order. */
async function aitStream(count: number): Promise<Array<Record<string, unknown>>> {
  const alerts: Array<Record<string, unknown>> = [];
  for (const source of discoverDatasets(values.data!)) {
    if (source.kind !== 'ait') continue;
    for await (const row of streamAitRows(source.file, source.scenario)) {
      if (alerts.length >= count) return alerts;
      alerts.push(renderAitRow(row, 'generic') as Record<string, unknown>);
    }
  }
  if (alerts.length === 0) throw new Error(`no AIT data under ${values.data}: pass --data DIR (e.g. ../shared/eval)`);
  return alerts;
}

const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const target = `${url}/v1/triage?map=ids-export`;

async function run(options: Partial<autocannon.Options> & { makeBody: () => string }): Promise<autocannon.Result> {
  const { makeBody, ...rest } = options;
  const result = await autocannon({
    url: target,
    method: 'POST',
    headers,
    duration,
    ...rest,
    requests: [{ setupRequest: (request) => ({ ...request, body: makeBody() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors: the bench is not measuring success`);
  return result;
}

try {
  // Warm-up: JIT, SQLite page cache, engine state.
  await run({ connections: 16, duration: 3, makeBody: () => JSON.stringify(nextAlert()) });
  const single = await run({ connections: 32, makeBody: () => JSON.stringify(nextAlert()) });
  const paced = await run({ connections: 32, overallRate: 1000, makeBody: () => JSON.stringify(nextAlert()) });
  const batchAlerts = Number(values['batch-alerts']);
  const sampleBatch = await run({ connections: 8, makeBody: batchBodies(sampleStream(batchAlerts)) });
  const batch = await run({ connections: 8, makeBody: batchBodies(await aitStream(batchAlerts)) });
  const figures = {
    singleRps: Math.round(single.requests.average),
    p99MsAt1000Rps: paced.latency.p99,
    batchAlertsPerSecond: Math.round(batch.requests.average * batchSize),
    sampleBatchAlertsPerSecond: Math.round(sampleBatch.requests.average * batchSize),
    settings: {
      durationSeconds: duration,
      cpus: cpus().length,
      /** The server child inherits NODE_OPTIONS: `npm run bench:server` sets the deployment files'. */
      nodeOptions: process.env.NODE_OPTIONS ?? '',
      batchSize,
      store: 'sqlite',
      engine: 'offline',
      logLevel: values['log-level'],
      config: path.relative(root, values.config!),
      alerts: { single: 'examples/sample-alerts.jsonl', batch: path.relative(root, values.data!), sampleBatch: 'examples/sample-alerts.jsonl' },
    },
    raw: {
      single: { connections: 32, rps: single.requests.average, p50Ms: single.latency.p50, p99Ms: single.latency.p99 },
      at1000Rps: { connections: 32, rps: paced.requests.average, p50Ms: paced.latency.p50, p99Ms: paced.latency.p99 },
      batch: { connections: 8, requestsPerSecond: batch.requests.average, p50Ms: batch.latency.p50, p99Ms: batch.latency.p99 },
      sampleBatch: { connections: 8, requestsPerSecond: sampleBatch.requests.average, p50Ms: sampleBatch.latency.p50, p99Ms: sampleBatch.latency.p99 },
    },
  };
  mkdirSync(path.dirname(path.resolve(values.out!)), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(
    `${JSON.stringify({ singleRps: figures.singleRps, p99MsAt1000Rps: figures.p99MsAt1000Rps, batchAlertsPerSecond: figures.batchAlertsPerSecond, sampleBatchAlertsPerSecond: figures.sampleBatchAlertsPerSecond })}\n`,
  );
} finally {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  rmSync(home, { recursive: true, force: true });
}
