import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatLintIssue, lintSplunkApp, loadSplunkSpecs } from '../../scripts/package/app-lint.js';
import { parseConf } from '../../scripts/package/conf-file.js';
import { parseConfSpec, validateConf } from '../../scripts/package/conf-spec.js';
import { packageSplunkApp, SPLUNK_SPEC_DIR } from '../../scripts/package/package.js';
import { readSplEntries } from '../../scripts/package/spl-archive.js';

const APP_DIR = resolve(import.meta.dirname, '../../manifests/splunk/verdict_app');
const work = mkdtempSync(join(tmpdir(), 'verdict-spl-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('Splunk app package', () => {
  it('builds a .spl with one top folder = app id and lints clean', async () => {
    const output = join(work, 'clean', 'verdict_app.spl');
    const issues = await packageSplunkApp(APP_DIR, output);
    expect(issues.map(formatLintIssue)).toEqual([]);
    const entries = await readSplEntries(output);
    expect(new Set(entries.map((entry) => entry.path.split('/')[0]))).toEqual(new Set(['verdict_app']));
    const paths = entries.map((entry) => entry.path);
    for (const required of [
      'verdict_app/default/app.conf',
      'verdict_app/bin/verdict_triage.py',
      'verdict_app/bin/verdict_command.py',
      'verdict_app/default/data/ui/views/verdict_overview.xml',
      'verdict_app/appserver/static/alert_verdict_triage.png',
    ]) {
      expect(paths).toContain(required);
    }
    const png = entries.find((entry) => entry.path.endsWith('alert_verdict_triage.png'))!.content!;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  });

  it('fails a deliberately broken copy, naming the file and the key', async () => {
    const broken = join(work, 'broken', 'verdict_app');
    cpSync(APP_DIR, broken, { recursive: true });
    const edit = (file: string, change: (text: string) => string): void => writeFileSync(join(broken, file), change(readFileSync(join(broken, file), 'utf8')));
    edit('default/alert_actions.conf', (text) => text.replace('payload_format = json', 'payload_format = yaml').replace('maxtime = 2m', 'maxtime = two minutes\nbogus_setting = 1'));
    edit('default/app.conf', (text) => text.replace('is_configured = false', 'is_configured = true').replace('version = 0.1.0\n\n[launcher]', 'version = one\n\n[launcher]'));
    edit('default/commands.conf', (text) => text.replace(/^chunked = true$/m, 'chunked = true\nstreaming = true'));
    edit('default/collections.conf', (text) => text.replace('field.verdict = string', 'field.verdict = text'));
    cpSync(join(broken, 'default', 'macros.conf'), join(broken, 'local', 'macros.conf'), { recursive: true });
    writeFileSync(join(broken, 'default', '.DS_Store'), 'x');
    // Issue 11, findings 15 and 16: a generating macro without its pipe, a custom conf not replicated, no sc_admin.
    edit('default/data/ui/views/verdict_overview.xml', (text) => text.replace('"query": "| `verdict_results` | timechart', '"query": "`verdict_results` | timechart'));
    edit('default/server.conf', (text) => text.replace('conf_replication_include.verdict = true', 'conf_replication_include.verdict = false'));
    edit('metadata/default.meta', (text) => text.replace('write : [ admin, sc_admin ]', 'write : [ admin ]'));

    const issues = (await packageSplunkApp(broken, join(work, 'broken.spl'))).map(formatLintIssue);
    const expectIssue = (pattern: RegExp): void =>
      expect(
        issues.some((issue) => pattern.test(issue)),
        `${pattern} in\n${issues.join('\n')}`,
      ).toBe(true);
    expectIssue(/^default\/alert_actions\.conf:\d+ \[verdict_triage\] payload_format: payload_format = "yaml": expected one of xml, json/);
    expectIssue(/^default\/alert_actions\.conf \[verdict_triage\] payload_format: set payload_format = json explicitly/);
    expectIssue(/^default\/alert_actions\.conf:\d+ \[verdict_triage\] bogus_setting: key bogus_setting is not valid/);
    expectIssue(/^default\/alert_actions\.conf:\d+ \[verdict_triage\] maxtime: .*expected an integer with an optional m\/s\/h\/d suffix/);
    expectIssue(/^default\/app\.conf \[install\] is_configured: must not be true/);
    expectIssue(/^default\/app\.conf \[id\] version: version "one" is not Major\.Minor\.Revision/);
    expectIssue(/^default\/commands\.conf:\d+ \[verdict\] streaming: is ignored when chunked = true/);
    expectIssue(/^default\/collections\.conf:\d+ \[verdict_results\] field\.verdict: .*expected one of number, bool, string, time/);
    expectIssue(/^local\/macros\.conf: a package must not contain local\//);
    expectIssue(/^default\/\.DS_Store: hidden files/);
    expectIssue(/^default\/data\/ui\/views\/verdict_overview\.xml verdict_results: `verdict_results` expands to a generating command: invoke it as \| `verdict_results`/);
    expectIssue(/^default\/server\.conf \[shclustering\] conf_replication_include\.verdict: verdict\.conf is a custom conf/);
    expectIssue(/^metadata\/default\.meta \[\] access: write grants admin but not sc_admin/);
  });

  it('generates rules from the spec text: wildcard stanzas and keys, choices, globals', () => {
    const spec = parseConfSpec(readFileSync(join(SPLUNK_SPEC_DIR, 'app.conf.spec'), 'utf8'), 'app.conf.spec');
    const conf = parseConf('[credential:verdict:svc]\npassword = x\n[author=someone]\nemail = a@b.c\n[nonsense]\nkey = 1\n[ui]\nis_visible = maybe\n');
    expect(validateConf(conf, spec).map((issue) => `${issue.stanza}/${issue.key ?? ''}`)).toEqual(['nonsense/', 'ui/is_visible']);
    const specs = loadSplunkSpecs(SPLUNK_SPEC_DIR);
    expect([...specs.keys()]).toEqual(expect.arrayContaining(['alert_actions.conf', 'commands.conf', 'default.meta', 'savedsearches.conf']));
    expect(
      lintSplunkApp(
        [
          { path: 'a/x', type: 'file', mode: 0o644 },
          { path: 'b/y', type: 'file', mode: 0o644 },
        ],
        specs,
      )[0]!.message,
    ).toMatch(/exactly one top-level folder/);
  });
});
