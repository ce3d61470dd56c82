import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument, visit } from 'yaml';
import { buildOpenApiDocument } from '../../core/server/openapi.js';
import { buildSoarArtefacts, loadSoarSpecs, soarModelFromOpenApi, validateSoarArtefacts, type SoarArtefacts, type SoarSpecs } from '../../plugins/soar/index.js';
import { checkSplunkSoarTarball, packageSoarArtefacts } from '../../scripts/package/soar-package.js';
import { runXsoarScript } from './xsoar-harness.js';
import { validateShuffleApp, validateSplunkSoarApp, validateTinesStory, validateXsoarIntegration } from '../../plugins/soar/soar-validate.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SPEC_DIR = process.env.VERDICT_SHARED_DIR ? path.join(process.env.VERDICT_SHARED_DIR, 'specs/soar') : path.resolve(ROOT, '../shared/specs/soar');
const clone = <T>(value: T): T => structuredClone(value);

describe('SOAR artefacts generated from the OpenAPI document', () => {
  let generated: SoarArtefacts;
  let specs: SoarSpecs;
  beforeAll(async () => {
    generated = await buildSoarArtefacts(buildOpenApiDocument());
    specs = loadSoarSpecs(SPEC_DIR);
  });

  it('match the committed manifests/soar/ files (run `npm run openapi` after changing the API)', () => {
    for (const [relative, contents] of generated) expect(readFileSync(path.join(ROOT, 'manifests/soar', relative), 'utf8'), relative).toBe(contents);
  });

  it('are the same when generated from the committed openapi.yaml: they derive from the document alone', async () => {
    const committed = parse(readFileSync(path.join(ROOT, 'manifests/soar/openapi.yaml'), 'utf8')) as Record<string, unknown>;
    expect(await buildSoarArtefacts(committed)).toEqual(generated);
  });

  it('follow the document: a moved path reaches every artefact, a removed operation fails the build naming it', async () => {
    const moved = clone(buildOpenApiDocument()) as { paths: Record<string, unknown> };
    moved.paths['/v2/triage'] = moved.paths['/v1/triage'];
    delete moved.paths['/v1/triage'];
    const artefacts = await buildSoarArtefacts(moved);
    for (const file of ['xsoar/Verdict.yml', 'splunk-soar/verdict_client.py', 'shuffle/src/verdict_client.py', 'tines/verdict-alert-triage.json']) {
      expect(artefacts.get(file), file).toContain('/v2/triage');
      expect(artefacts.get(file), file).not.toContain('"/v1/triage"');
    }
    const removed = clone(buildOpenApiDocument()) as { paths: Record<string, unknown> };
    delete removed.paths['/v1/verdicts/{id}'];
    await expect(buildSoarArtefacts(removed)).rejects.toThrow(/no operation getVerdict/);
  });

  it('take context outputs and data paths from the TriageResult schema', () => {
    const model = soarModelFromOpenApi(buildOpenApiDocument());
    const integration = parse(generated.get('xsoar/Verdict.yml')!);
    const triage = integration.script.commands.find((command: { name: string }) => command.name === 'verdict-triage-alert');
    const outputs = triage.outputs.map((output: { contextPath: string }) => output.contextPath);
    for (const field of model.resultFields) expect(outputs).toContain(`Verdict.Verdict.${field.name}`);
    expect(outputs).toContain('Verdict.Verdict.confidence');
    const app = JSON.parse(generated.get('splunk-soar/verdict.json')!);
    const paths = app.actions.find((action: { identifier: string }) => action.identifier === 'triage_alert').output.map((output: { data_path: string }) => output.data_path);
    for (const field of model.resultFields) expect(paths).toContain(`action_result.data.*.${field.name}`);
  });

  it('the YAML artefacts are plain YAML: no anchors or aliases', () => {
    for (const file of ['xsoar/Verdict.yml', 'shuffle/api.yaml']) {
      let aliases = 0;
      visit(parseDocument(generated.get(file)!), { Alias: () => void (aliases += 1) });
      expect(aliases, file).toBe(0);
    }
  });

  it('all validate against shared/specs/soar', () => {
    expect(validateSoarArtefacts(generated, specs)).toEqual([]);
  });

  it('scripts/package builds them into dist/soar/ (with the Splunk SOAR tarball) and validates each', async () => {
    const output = mkdtempSync(path.join(tmpdir(), 'verdict-soar-dist-'));
    try {
      expect(await packageSoarArtefacts(output, SPEC_DIR)).toEqual([]);
      for (const file of ['xsoar/Verdict.yml', 'splunk-soar/verdict.tgz', 'tines/verdict-alert-triage.json', 'shuffle/api.yaml', 'shuffle/src/app.py', 'openapi.json'])
        expect(existsSync(path.join(output, file)), file).toBe(true);
    } finally {
      rmSync(output, { recursive: true, force: true });
    }
  });

  it('the Splunk SOAR tarball check wants one top folder holding the app JSON and every file it names', () => {
    const app = generated.get('splunk-soar/verdict.json')!;
    const complete = new Map([
      ['splunk-soar/verdict.json', app],
      ['splunk-soar/verdict_connector.py', ''],
      ['splunk-soar/logo_verdict.svg', ''],
      ['splunk-soar/logo_verdict_dark.svg', ''],
    ]);
    expect(checkSplunkSoarTarball(complete)).toEqual([]);
    const noLogo = new Map(complete);
    noLogo.delete('splunk-soar/logo_verdict_dark.svg');
    expect(checkSplunkSoarTarball(noLogo)).toEqual([expect.objectContaining({ path: 'splunk-soar/logo_verdict_dark.svg', message: expect.stringContaining('logo_dark') })]);
    expect(checkSplunkSoarTarball(new Map([...complete, ['stray.txt', '']]))[0]!.message).toContain('one top folder');
  });

  it('the XSOAR harness is an ES5 engine: a later built-in fails there, on the values it hands over too', async () => {
    const run = (script: string) => runXsoarScript(script, { command: 'x', args: { list: ['a'] }, params: {} });
    expect((await run("return demisto.args().list.indexOf('a') + ':' + Object.keys({ a: 1 }).join();")).result).toBe('0:a');
    await expect(run("return demisto.args().list.includes('a');")).rejects.toThrow(/includes is not a function/);
    await expect(run('return Object.assign({}, { a: 1 });')).rejects.toThrow(/assign is not a function/);
    await expect(run('return new Promise(function () {});')).rejects.toThrow(/Promise is not defined/);
  });

  it('the XSOAR script keys requests with 64-bit FNV-1a (published test vectors), in the ES5 engine', async () => {
    const script = parse(generated.get('xsoar/Verdict.yml')!).script.script as string;
    const keyOf = async (text: string) =>
      (await runXsoarScript(script.replace(/return VerdictXsoar\.main\(\);\s*$/, `return VerdictXsoar.requestKey('k', ${JSON.stringify(text)});`), { command: 'x', params: {} })).result;
    expect(await keyOf('a')).toBe('k-af63dc4c8601ec8c-1');
    expect(await keyOf('foobar')).toBe('k-85944171f73967e8-6');
  });

  it('the XSOAR script is plain ES5 for the engine: no modules, no Node or browser APIs', () => {
    const script = parse(generated.get('xsoar/Verdict.yml')!).script.script as string;
    expect(script).toMatch(/return VerdictXsoar\.main\(\);\s*$/);
    expect(script).not.toMatch(/\b(require|import|fetch|process|setTimeout|let|const|class)\b[\s(]/);
  });
});

describe('the SOAR validators reject what the platforms would', () => {
  let generated: SoarArtefacts;
  let specs: SoarSpecs;
  beforeAll(async () => {
    generated = await buildSoarArtefacts(buildOpenApiDocument());
    specs = loadSoarSpecs(SPEC_DIR);
  });

  it('XSOAR: an unknown key, a wrong type, a missing required key, a script that does not compile', () => {
    const integration = parse(generated.get('xsoar/Verdict.yml')!);
    const bad = clone(integration);
    bad.commonfields.version = '-1';
    bad.script.commands[0].outputs[0].contxtPath = 'x';
    delete bad.script.commands[1].description;
    bad.script.script = 'return (;';
    bad.display = null;
    const messages = validateXsoarIntegration(bad, specs).map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^commonfields\.version: expected int/),
        expect.stringMatching(/^script\.commands\[0\]\.outputs\[0\]\.contxtPath: is not a key/),
        'script.commands[1].description: is required',
        expect.stringMatching(/^script\.script: does not compile/),
        'display: is required, and is null',
      ]),
    );
  });

  it('Splunk SOAR: a data type, key or output path Splunk apps never use', () => {
    const app = JSON.parse(generated.get('splunk-soar/verdict.json')!);
    app.actions[1].parameters.alert.data_type = 'json';
    app.actions[1].output.push({ data_path: 'action_result.parameter.nope', data_type: 'string' });
    app.actions[2].colour = 'red';
    delete app.main_module;
    const paths = validateSplunkSoarApp(app, specs).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['actions[1].parameters.alert.data_type', expect.stringMatching(/^actions\[1\]\.output\[\d+\]\.data_path$/), 'actions[2].colour', 'main_module']));
  });

  it('Tines: a link to no action, an action without a position, an HTTP action without a url, a formula function Tines lacks', () => {
    const story = JSON.parse(generated.get('tines/verdict-alert-triage.json')!);
    story.links.push({ source: 2, receiver: 9 });
    story.diagram_layout = JSON.stringify({});
    delete story.agents[1].options.url;
    story.agents[1].options.headers['Idempotency-Key'] = 'tines-<<SHA256(JSON(alert_in.body))>>';
    const issues = validateTinesStory(story, specs);
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['links[2].receiver', 'diagram_layout', 'agents[1].options.url']));
    expect(issues).toContainEqual(expect.objectContaining({ path: 'agents[1].options', message: expect.stringContaining('calls JSON()') }));
  });

  it('Shuffle: a parameter app.py does not take, an unknown schema type', () => {
    const app = parse(generated.get('shuffle/api.yaml')!);
    app.actions[0].parameters.push({ name: 'colour', description: 'x', multiline: false, example: 'x', required: false, schema: { type: 'string' } });
    app.actions[1].parameters[0].schema.type = 'uuid';
    const messages = validateShuffleApp(app, generated.get('shuffle/src/app.py')!, specs).map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('takes no colour'), expect.stringMatching(/^actions\[1\]\.parameters\[0\]\.schema\.type: uuid/)]));
  });
});
