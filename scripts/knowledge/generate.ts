// npm run knowledge [-- --data ../shared/data] [--check]
// Builds Verdict's offline knowledge (core/data/knowledge/*.json) from public sources: ATT&CK,
// Atomic Red Team procedures, the rule names of the Elastic and Splunk public rule sets, and the
// curated rows in scripts/knowledge/sources/. The eval data is never read here. --check compares
// with the committed files instead of writing them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildKnowledgeFiles } from './knowledge-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const KNOWLEDGE_DIRECTORY = path.resolve(here, '../../core/data/knowledge');

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.VERDICT_SHARED_DIR ? path.join(process.env.VERDICT_SHARED_DIR, 'data') : path.resolve(here, '../../../shared/data') },
    check: { type: 'boolean', default: false },
  },
});
const files = buildKnowledgeFiles(path.resolve(values.data!));
let stale = 0;
mkdirSync(KNOWLEDGE_DIRECTORY, { recursive: true });
for (const [name, content] of files) {
  const target = path.join(KNOWLEDGE_DIRECTORY, name);
  const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  if (current === content) continue;
  stale += 1;
  if (values.check) process.stderr.write(`${name} differs from what the generator builds: run npm run knowledge\n`);
  else writeFileSync(target, content);
}
process.stderr.write(`${values.check ? 'checked' : 'wrote'} ${files.size} knowledge files (${stale} ${values.check ? 'stale' : 'changed'})\n`);
if (values.check && stale > 0) process.exitCode = 1;
