import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadElasticManifests } from '../../plugins/elastic/elastic-manifests.js';
import { ensureBuilt, ROOT, startCli } from '../fault/cli-process.js';
import { startElasticEmulator, type ElasticEmulator } from '../emulators/elastic/elastic-emulator.js';
import { connectorValidator, describeErrors, detectionsSpec, SPECS_DIR } from '../emulators/elastic/spec-validator.js';

/**
 * manifests/elastic checked against the specs (ECS field types, the ECS composable template
 * names, the webhook connector schema, the detections RuleAction schema, saved-object references),
 * and `verdict install elastic` run twice by the built CLI against the emulator.
 */

const DIRECTORY = join(ROOT, 'manifests/elastic');
const manifests = loadElasticManifests(DIRECTORY, { verdictUrl: 'https://verdict.example:8477', verdictToken: 'vt_install_token_7c1d' });
const ecsFlat = parseYaml(readFileSync(join(SPECS_DIR, 'ecs/ecs_flat.yml'), 'utf8')) as Record<string, { type: string }>;
const ecsTemplate = JSON.parse(readFileSync(join(SPECS_DIR, 'ecs/template.json'), 'utf8')) as { composed_of: string[] };

/** field path → mapping type, from a mappings `properties` tree. */
function flattenMappings(properties: Record<string, { type?: string; properties?: Record<string, unknown> }>, prefix = ''): Record<string, string> {
  const types: Record<string, string> = {};
  for (const [name, spec] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    if (spec.type) types[path] = spec.type;
    if (spec.properties) Object.assign(types, flattenMappings(spec.properties as never, `${path}.`));
  }
  return types;
}

describe('manifests/elastic', () => {
  it('the index template builds on ECS component templates that exist, and its ECS fields keep their ECS types', () => {
    const template = manifests.indexTemplate as {
      index_patterns: string[];
      data_stream: object;
      composed_of: string[];
      priority: number;
      template: { settings: { index: { default_pipeline: string } }; mappings: { properties: Record<string, never> } };
    };
    expect(template.index_patterns).toEqual(['logs-verdict.triage-*']);
    expect(template.data_stream).toEqual({});
    expect(template.priority).toBeGreaterThan(100); // above Elasticsearch's built-in logs-*-* template
    for (const name of template.composed_of) expect(ecsTemplate.composed_of, name).toContain(name);
    for (const [name, component] of manifests.componentTemplates) {
      expect(template.composed_of).toContain(name);
      expect(component).toEqual(JSON.parse(readFileSync(join(SPECS_DIR, 'ecs', `${name.replace(/^ecs_9\.4\.0_/, '')}.json`), 'utf8')));
    }
    expect(template.template.settings.index.default_pipeline).toBe(manifests.pipelineName);
    const types = flattenMappings(template.template.mappings.properties);
    const ecsFields = Object.keys(types).filter((field) => field in ecsFlat);
    expect(ecsFields.length).toBeGreaterThan(0);
    for (const field of ecsFields) expect(types[field], field).toBe(ecsFlat[field]!.type);
    const valid = new Set(['keyword', 'constant_keyword', 'match_only_text', 'text', 'float', 'integer', 'long', 'boolean', 'date', 'object']);
    for (const [field, type] of Object.entries(types)) expect(valid.has(type), `${field}: ${type}`).toBe(true);
  });

  it('the ingest pipeline only sets ECS fields, with processors Elasticsearch has', () => {
    const processors = manifests.pipeline.processors as Array<Record<string, { field: string }>>;
    for (const processor of processors) {
      const [type, options] = Object.entries(processor)[0]!;
      expect(['set', 'remove', 'rename']).toContain(type);
      expect(ecsFlat[options.field], options.field).toBeDefined();
    }
  });

  it('the saved objects reference only objects they define, and the dashboard shows every panel', () => {
    const defined = new Set(manifests.savedObjects.map((object) => `${String(object.type)}/${String(object.id)}`));
    expect(defined.size).toBe(manifests.savedObjects.length);
    for (const object of manifests.savedObjects) {
      for (const reference of object.references as Array<{ type: string; id: string; name: string }>)
        expect(defined, `${String(object.id)} → ${reference.type}/${reference.id}`).toContain(`${reference.type}/${reference.id}`);
    }
    const dataView = manifests.savedObjects.find((object) => object.type === 'index-pattern')!;
    expect((dataView.attributes as { title: string }).title).toBe('logs-verdict.triage-*');
    const dashboard = manifests.savedObjects.find((object) => object.type === 'dashboard')!;
    const panels = JSON.parse((dashboard.attributes as { panelsJSON: string }).panelsJSON) as Array<{ panelIndex: string; panelRefName: string }>;
    const references = dashboard.references as Array<{ name: string; type: string; id: string }>;
    expect(panels).toHaveLength(4);
    for (const panel of panels) expect(references.map((reference) => reference.name)).toContain(`${panel.panelIndex}:${panel.panelRefName}`);
    const ndjson = readFileSync(join(DIRECTORY, 'saved-objects.ndjson'), 'utf8').trim().split('\n');
    expect(JSON.parse(ndjson.at(-1)!)).toEqual({ exportedCount: manifests.savedObjects.length, missingRefCount: 0, missingReferences: [] });
  });

  it('the connector matches the .webhook connector schema and the rule action the RuleAction schema', () => {
    const types = connectorValidator('connector_types');
    expect(types(manifests.connector.connector_type_id), describeErrors(types).join('; ')).toBe(true);
    const config = connectorValidator('webhook_config');
    expect(config(manifests.connector.config), describeErrors(config).join('; ')).toBe(true);
    const declared = Object.keys((parseYaml(readFileSync(join(SPECS_DIR, 'actions/webhook_config.yaml'), 'utf8')) as { properties: object }).properties);
    for (const key of Object.keys(manifests.connector.config)) expect(declared, key).toContain(key);
    const secrets = connectorValidator('webhook_secrets');
    expect(secrets(manifests.connector.secrets)).toBe(true);
    expect(manifests.connector.config.url).toBe('https://verdict.example:8477/v1/triage?platform=elastic&async=true');
    const check = detectionsSpec().checkComponent('RuleAction', manifests.ruleAction);
    expect(check.errors).toEqual([]);
    expect(manifests.ruleAction).toMatchObject({ action_type_id: '.webhook', id: manifests.connector.id });
  });
});

describe('verdict install elastic (built CLI against the emulator)', () => {
  let emulator: ElasticEmulator;
  let work: string;
  const PASSWORD = 'install-Passw0rd-3f';
  const TOKEN = 'vt_install_token_secret_91';
  // Asynchronous: the emulator answers from this process while the CLI runs.
  const install = () =>
    startCli(['install', 'elastic', '--config', join(work, 'verdict.config.json'), '--verdict-url', 'https://verdict.example:8477', '--json'], {
      cwd: work,
      env: { VERDICT_HOME: work, VERDICT_TOKEN: TOKEN },
    }).done;

  beforeAll(async () => {
    ensureBuilt();
    emulator = await startElasticEmulator({ users: { installer: { password: PASSWORD, roles: ['verdict_installer'] } } });
    // A cluster that already has one ECS component template (as Fleet installs them): left alone.
    emulator.elasticsearch.componentTemplates.clear();
    emulator.elasticsearch.componentTemplates.set('ecs_9.4.0_base', { template: { mappings: { properties: { '@timestamp': { type: 'date' } } } } });
    work = mkdtempSync(join(tmpdir(), 'verdict-install-elastic-'));
    writeFileSync(
      join(work, 'verdict.config.json'),
      JSON.stringify({ platforms: { elastic: { elasticsearchUrl: emulator.elasticsearchUrl, kibanaUrl: emulator.kibanaUrl, auth: { username: 'installer', password: PASSWORD }, maxRetries: 1 } } }),
    );
  }, 180_000);
  afterAll(async () => {
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('applies everything the first time, changes nothing the second time', async () => {
    const first = await install();
    expect(first.code, first.stderr).toBe(0);
    const steps = JSON.parse(first.stdout) as Array<{ kind: string; name: string; change: string }>;
    expect(steps.find((step) => step.name === 'ecs_9.4.0_base')?.change).toBe('unchanged');
    expect(steps.filter((step) => step.name !== 'ecs_9.4.0_base').every((step) => step.change === 'created')).toBe(true);
    expect(steps).toHaveLength(manifests.componentTemplates.length + 2 + manifests.savedObjects.length + 1);
    expect(emulator.kibana.savedObjects.size).toBe(manifests.savedObjects.length);
    expect(emulator.kibana.connectors.get('verdict-triage-webhook')?.config.headers).toEqual({ 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` });
    expect(`${first.stdout}${first.stderr}`).not.toContain(TOKEN);
    expect(`${first.stdout}${first.stderr}`).not.toContain(PASSWORD);
    const writesBefore = emulator.requests.filter((request) => request.method !== 'GET').length;

    const second = await install();
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as Array<{ change: string }>).every((step) => step.change === 'unchanged')).toBe(true);
    expect(second.stderr).toContain('0 created, 0 updated');
    expect(emulator.requests.filter((request) => request.method !== 'GET').length).toBe(writesBefore);
    expect(emulator.specViolations).toEqual([]);
  });

  it('a data stream write after install goes through the pipeline and the template', async () => {
    const index = emulator.elasticsearch.writeIndex('logs-verdict.triage-default');
    expect(index.dataStream).toBe('logs-verdict.triage-default');
    const { document } = emulator.elasticsearch.writeDocument('logs-verdict.triage-default', 'create', 'k1', { '@timestamp': '2026-01-01T00:00:00.000Z', verdict: { confidence: 0.9 } });
    expect(document._source).toMatchObject({ event: { ingested: expect.any(String) }, ecs: { version: '9.4.0' } });
    expect(() => emulator.elasticsearch.writeDocument('logs-verdict.triage-default', 'create', 'k2', { '@timestamp': '2026-01-01T00:00:00.000Z', verdict: { confidence: 'high' } })).toThrow(
      /failed to parse field \[verdict\.confidence\] of type \[float\]/,
    );
  });
});
