// npx tsx scripts/bench/dump-results.ts --out FILE [--data DIR] [--config F] [--full N]
// Replays the AIT set exactly as `npm run bench` does (same batches, same order) with a fixed clock,
// and writes one line per alert: id, verdict, confidence, probabilityMalicious, a digest of
// evidence + recommendedActions, and a digest of the whole result as the store writes it (resultJson). Two dumps compared with `cmp`
// (or `diff`) show whether an optimisation changed any verdict. `--full N` also writes the first N
// whole results of each batch to FILE.full.jsonl, to see what changed when a digest differs.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { loadConfig } from '../../core/config/load-config.js';
import { normalizeWithFieldMap } from '../../core/normalize/field-map-normalize.js';
import { MemoryIndex } from '../../core/enrich/memory.js';
import { createTriageEngine } from '../../core/pipeline/engine.js';
import { buildEnrichers } from '../../core/runtime/enricher-registry.js';
import { resultJson } from '../../core/store/result-json.js';
import { streamAitRows } from '../eval/ait-source.js';
import { discoverDatasets } from '../eval/datasets.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../eval/render-ait.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/eval' },
    out: { type: 'string', default: 'out/results-digest.tsv' },
    config: { type: 'string' },
    batch: { type: 'string', default: '2000' },
    full: { type: 'string', default: '0' },
  },
});

const loaded = loadConfig(values.config);
const fieldMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const batchSize = Number(values.batch);
const fullPerBatch = Number(values.full);
const sources = discoverDatasets(values.data!).filter((source) => source.kind === 'ait');
const textDigest = (text: string): string => createHash('sha1').update(text).digest('base64').slice(0, 16);
const digest = (value: unknown): string => textDigest(JSON.stringify(value));

// What createOfflineEngine builds, with a fixed clock so `createdAt` does not differ between dumps.
const memory = new MemoryIndex(loaded.config.memory.halfLifeDays);
const { enrichers } = buildEnrichers({ config: loaded.config, baseDir: loaded.baseDir, memory });
const engine = createTriageEngine({ config: loaded.config, enrichers, memory, clock: () => new Date(0) });
const out = createWriteStream(values.out!);
const full = fullPerBatch > 0 ? createWriteStream(`${values.out}.full.jsonl`) : undefined;

function flush(batch: string[]): void {
  const results = engine.triageBatch(batch.map((text) => normalizeWithFieldMap(JSON.parse(text) as unknown, fieldMap)));
  const lines: string[] = [];
  results.forEach((result, index) => {
    lines.push(
      `${result.alertId}\t${result.verdict}\t${result.confidence}\t${result.probabilityMalicious}\t${digest([result.evidence, result.recommendedActions])}\t${textDigest(resultJson(result))}\n`,
    );
    if (full && index < fullPerBatch) full.write(`${JSON.stringify(result)}\n`);
  });
  out.write(lines.join(''));
  engine.state.drain();
}

for (const source of sources) {
  if (source.kind !== 'ait') continue;
  let batch: string[] = [];
  for await (const row of streamAitRows(source.file, source.scenario)) {
    batch.push(JSON.stringify(renderAitRow(row, 'generic')));
    if (batch.length >= batchSize) {
      flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) flush(batch);
}
await new Promise((resolve) => out.end(resolve));
if (full) await new Promise((resolve) => full.end(resolve));
