import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLintIssue, lintSplunkApp, loadSplunkSpecs, type LintIssue } from './app-lint.js';
import { buildSpl, readSplEntries } from './spl-archive.js';
import { packageSoarArtefacts } from './soar-package.js';

/**
 * `npm run package`: builds dist/verdict_app.spl from manifests/splunk/verdict_app and lints the
 * archive (AppInspect-style checks + every .conf against shared/specs/splunk). Exit 1 on any issue.
 */

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SPLUNK_SPEC_DIR = process.env.VERDICT_SHARED_DIR ? join(process.env.VERDICT_SHARED_DIR, 'specs/splunk') : resolve(repository, '../shared/specs/splunk');

export async function packageSplunkApp(appDirectory: string, outputFile: string, specDirectory = SPLUNK_SPEC_DIR): Promise<LintIssue[]> {
  await buildSpl(appDirectory, outputFile);
  return lintSplunkApp(await readSplEntries(outputFile), loadSplunkSpecs(specDirectory));
}

async function main(): Promise<void> {
  const appDirectory = resolve(repository, 'manifests/splunk/verdict_app');
  const outputFile = resolve(repository, 'dist/verdict_app.spl');
  const issues = await packageSplunkApp(appDirectory, outputFile);
  if (issues.length > 0) {
    for (const issue of issues) process.stderr.write(`lint: ${formatLintIssue(issue)}\n`);
    process.stderr.write(`dist/verdict_app.spl: ${issues.length} lint issue(s)\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write('dist/verdict_app.spl built and linted clean\n');
  const soarIssues = await packageSoarArtefacts(resolve(repository, 'dist/soar'), resolve(SPLUNK_SPEC_DIR, '../soar'));
  if (soarIssues.length > 0) {
    for (const issue of soarIssues) process.stderr.write(`soar: ${issue.artefact} ${issue.path}: ${issue.message}\n`);
    process.stderr.write(`dist/soar: ${soarIssues.length} issue(s)\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write('dist/soar built (XSOAR, Splunk SOAR, Tines, Shuffle) and validated against specs/soar\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
