// Regenerates the golden normalizer inputs from the public eval data:
//   npx tsx test/golden/render-inputs.ts [EVAL_DIR]      (default ../shared/eval)
// Inputs are rendered with the eval's own renderers (scripts/eval/render-*.ts), so the golden tests
// read exactly what `npm run eval` feeds the normalizers. Labels never enter an input.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aitDetector, renderAitRow, type Rendering } from '../../scripts/eval/render-ait.js';
import { renderSigmaTest, type SigmaVariant } from '../../scripts/eval/render-sigma.js';
import { streamAitRows, type AitRow } from '../../scripts/eval/ait-source.js';
import { loadSigmaTests } from '../../scripts/eval/sigma-source.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const evalDir = path.resolve(process.argv[2] ?? path.join(here, '../../../shared/eval'));
const out = path.join(here, 'normalize');

/** Process creation with sub-techniques, a registry write, a 6-event file drop, a 2-event process, and a rule without ATT&CK tags. */
const SIGMA_TESTS = [
  '83c4dfac-7b5b-4a0e-803e-cca15c933c5e',
  '070ba0e3-b1e5-4fa9-9935-ca8a8c233b3d',
  'ef67d58b-a7c2-434f-af87-34ae280a2968',
  'c81d2cc0-3296-47fd-b57d-334b3a17ab02',
  '54f3ccdd-e1f9-4b9f-8dda-b1bdcb13d6ba',
];

/** The first two distinct alert names of each detector in file order, plus the first attack row. */
async function pickAitRows(): Promise<AitRow[]> {
  const picked: AitRow[] = [];
  const perDetector = new Map<string, Set<string>>();
  let attackRow: AitRow | undefined;
  for await (const row of streamAitRows(path.join(evalDir, 'ait', 'russellmitchell.csv.gz'), 'russellmitchell')) {
    const names = perDetector.get(aitDetector(row.name)) ?? new Set<string>();
    perDetector.set(aitDetector(row.name), names);
    if (names.size < 2 && !names.has(row.name)) {
      names.add(row.name);
      picked.push(row);
    }
    // Labels only choose which row to keep; they are never rendered.
    if (!attackRow && row.labels.eventLabel !== '-') attackRow = row;
    if (attackRow && [...perDetector.values()].every((set) => set.size >= 2) && perDetector.size >= 3) break;
  }
  return attackRow ? [...picked, attackRow] : picked;
}

function write(name: string, value: unknown): void {
  writeFileSync(path.join(out, name), `${JSON.stringify(value, null, 2)}\n`);
}

mkdirSync(out, { recursive: true });
const aitRows = await pickAitRows();
for (const rendering of ['ocsf', 'generic'] as Rendering[]) {
  write(
    `${rendering}-ait.input.json`,
    aitRows.map((row) => renderAitRow(row, rendering)),
  );
}
const byId = new Map(loadSigmaTests(path.join(evalDir, 'sigma')).map((test) => [test.testId, test]));
const sigma = SIGMA_TESTS.map((id) => {
  const test = byId.get(id);
  if (!test) throw new Error(`Sigma test ${id} is not in ${evalDir}/sigma`);
  return test;
});
for (const rendering of ['ocsf', 'generic'] as Rendering[]) {
  const variants: Array<[number, SigmaVariant]> = [...sigma.map((_, index) => [index, 'full'] as [number, SigmaVariant]), [0, 'blind']];
  write(
    `${rendering}-sigma.input.json`,
    variants.map(([index, variant]) => renderSigmaTest(sigma[index]!, rendering, variant)),
  );
}
process.stdout.write(`wrote golden inputs to ${out}\n`);
