import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { create } from 'tar';
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
  await create({ gzip: true, file: join(outputDirectory, 'splunk-soar', 'verdict.tgz'), cwd: outputDirectory, portable: true, mtime: FIXED_MTIME }, [
    'splunk-soar/verdict.json',
    'splunk-soar/verdict_connector.py',
    'splunk-soar/verdict_client.py',
    'splunk-soar/logo_verdict.svg',
    'splunk-soar/logo_verdict_dark.svg',
  ]);
  const issues = validateSoarArtefacts(files, loadSoarSpecs(specDirectory));
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

function compilePython(directory: string, relatives: string[]): SoarIssue[] {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return [];
  const code = 'import ast, sys\nfor name in sys.argv[1:]:\n    ast.parse(open(name).read(), name)\n';
  const run = spawnSync('python3', ['-c', code, ...relatives.map((relative) => join(directory, relative))], { encoding: 'utf8' });
  return run.status === 0 ? [] : [{ artefact: 'python', path: relatives.join(', '), message: run.stderr.trim() }];
}
