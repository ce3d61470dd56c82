import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { create, list } from 'tar';
import { buildOpenApiDocument } from '../../core/server/openapi.js';
import { buildSoarArtefacts, loadSoarSpecs, validateSoarArtefacts, type SoarIssue } from '../../plugins/soar/index.js';

const FIXED_MTIME = new Date('2026-01-01T00:00:00Z');

/**
 * Builds every SOAR artefact from the server's OpenAPI document into `outputDirectory`
 * (dist/soar/): the XSOAR integration YAML, the Splunk SOAR app folder and its tarball
 * (verdict.tgz, one top folder, as SOAR installs apps), the Tines story and the Shuffle app.
 * Validates each against shared/specs/soar, compiles the Python with python3 when there is one,
 * and returns every issue (none means all valid).
 */
export async function packageSoarArtefacts(outputDirectory: string, specDirectory: string): Promise<SoarIssue[]> {
  rmSync(outputDirectory, { recursive: true, force: true });
  const files = await buildSoarArtefacts(buildOpenApiDocument());
  for (const [relative, contents] of files) {
    const file = join(outputDirectory, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, contents);
  }
  const openApi = join(outputDirectory, 'openapi.json');
  writeFileSync(openApi, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
  const tarball = join(outputDirectory, 'splunk-soar', 'verdict.tgz');
  const appFiles = [...files.keys()].filter((relative) => relative.startsWith('splunk-soar/')).sort();
  await create({ gzip: true, file: tarball, cwd: outputDirectory, portable: true, mtime: FIXED_MTIME }, appFiles);
  const issues = validateSoarArtefacts(files, loadSoarSpecs(specDirectory));
  issues.push(...checkSplunkSoarTarball(await tarEntries(tarball)));
  issues.push(
    ...compilePython(
      outputDirectory,
      [...files.keys()].filter((relative) => relative.endsWith('.py')),
    ),
  );
  // The artefacts must parse as their formats, whatever the validators check beyond.
  parse(files.get('shuffle/api.yaml') ?? '');
  return issues;
}

async function tarEntries(file: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  await list({
    file,
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => entries.set(entry.path, Buffer.concat(chunks).toString('utf8')));
    },
  });
  return entries;
}

/**
 * What Splunk SOAR needs of the installed tarball: one top folder holding the app JSON, and in it
 * every file that JSON names (main_module, logos).
 */
export function checkSplunkSoarTarball(entries: Map<string, string>): SoarIssue[] {
  const issues: SoarIssue[] = [];
  const add = (path: string, message: string) => issues.push({ artefact: 'splunk-soar tarball', path, message });
  const tops = new Set([...entries.keys()].map((name) => name.split('/')[0]));
  if (tops.size !== 1) return [{ artefact: 'splunk-soar tarball', path: '/', message: `must hold one top folder, holds ${[...tops].join(', ')}` }];
  const top = [...tops][0]!;
  const manifests = [...entries.keys()].filter((name) => /^[^/]+\/[^/]+\.json$/.test(name));
  if (manifests.length !== 1) return [{ artefact: 'splunk-soar tarball', path: top, message: `must hold one app JSON, holds ${manifests.length}` }];
  const app = JSON.parse(entries.get(manifests[0]!)!) as Record<string, unknown>;
  for (const key of ['main_module', 'logo', 'logo_dark']) {
    if (typeof app[key] === 'string' && !entries.has(`${top}/${app[key]}`)) add(`${top}/${app[key]}`, `is named by ${key} but not in the tarball`);
  }
  return issues;
}

function compilePython(directory: string, relatives: string[]): SoarIssue[] {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return [];
  const code = 'import ast, sys\nfor name in sys.argv[1:]:\n    ast.parse(open(name).read(), name)\n';
  const run = spawnSync('python3', ['-c', code, ...relatives.map((relative) => join(directory, relative))], { encoding: 'utf8' });
  return run.status === 0 ? [] : [{ artefact: 'python', path: relatives.join(', '), message: run.stderr.trim() }];
}
