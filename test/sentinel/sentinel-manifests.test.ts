import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createSentinelPlugin } from '../../plugins/sentinel/index.js';
import { SHARED_SPECS } from '../emulators/microsoft/spec-paths.js';
import { readFixture } from './sentinel-harness.js';

/**
 * manifests/sentinel is data, checked like data: the workbook against the published workbook
 * JSON schema, the playbook against the reference Sentinel playbook's conventions and, for its
 * HTTP action, against the service's own OpenAPI document (POST /v1/triage), with the trigger's
 * expressions evaluated on the real ARM incident example.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SOLUTION = join(ROOT, 'manifests/sentinel/Solutions/Verdict');
const readJson = <T = Record<string, unknown>>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const template = readJson<Record<string, any>>(join(SOLUTION, 'Playbooks/Verdict-Triage-Incident/azuredeploy.json'));
const reference = readJson<Record<string, any>>(join(SHARED_SPECS, 'microsoft/sentinel-playbook-example/azuredeploy.json'));
const workflow = template.resources.find((resource: { type: string }) => resource.type === 'Microsoft.Logic/workflows');
const definition = workflow.properties.definition;
const openapi = parseYaml(readFileSync(join(ROOT, 'manifests/soar/openapi.yaml'), 'utf8')) as Record<string, any>;

/** Every action of a workflow definition, nested ones (If, Switch, Foreach) included. */
function allActions(actions: Record<string, any>): Array<[string, any]> {
  return Object.entries(actions).flatMap(([name, action]) => [
    [name, action] as [string, any],
    ...allActions(action.actions ?? {}),
    ...allActions(action.else?.actions ?? {}),
    ...Object.values<any>(action.cases ?? {}).flatMap((branch) => allActions(branch.actions ?? {})),
    ...allActions(action.default?.actions ?? {}),
  ]);
}

/**
 * Evaluates the workflow-language expressions the HTTP action uses: `@triggerBody()?['a']?['b']`
 * and `@parameters('X')`, whole-string or inside `@{…}`. Anything else throws, so the test
 * cannot pass over an expression it did not understand.
 */
function evaluate(value: unknown, context: { triggerBody: unknown; parameters: Record<string, unknown>; body: Record<string, unknown> }): unknown {
  const expression = (text: string): unknown => {
    const match = /^(triggerBody\(\)|parameters\('([^']+)'\)|body\('([^']+)'\))((?:\??\['[^']*'\])*)$/.exec(text.trim());
    if (!match) throw new Error(`unsupported expression ${text}`);
    let current: unknown = match[1] === 'triggerBody()' ? context.triggerBody : match[2] !== undefined ? context.parameters[match[2]] : context.body[match[3]!];
    for (const [, key] of match[4]!.matchAll(/\??\['([^']*)'\]/g)) current = (current as Record<string, unknown> | undefined)?.[key!];
    return current;
  };
  if (typeof value === 'string') {
    if (value.startsWith('@') && !value.startsWith('@{')) return expression(value.slice(1));
    return value.replace(/@\{([^}]*)\}/g, (_whole, inner: string) => String(expression(inner)));
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, context));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluate(item, context)]));
  return value;
}

describe('manifests/sentinel', () => {
  it('the workbook is valid against workbook.schema.json, and every query reads the labels the plugin writes', () => {
    const schema = readJson(join(SHARED_SPECS, 'microsoft/workbook.schema.json'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const workbook = readJson<{ items: Array<{ type: number; content: { query?: string } }> }>(join(SOLUTION, 'Workbooks/VerdictTriage.json'));
    expect(validate(workbook), JSON.stringify(validate.errors)).toBe(true);
    const queries = workbook.items.filter((item) => item.type === 3).map((item) => item.content.query ?? '');
    expect(queries).toHaveLength(3);
    for (const query of queries) {
      expect(query).toContain('SecurityIncident');
      expect(query).toContain("'verdict:");
    }
    // A broken item is caught: the schema is not vacuous for these items.
    expect(validate({ version: 'Notebook/1.0', items: [{ type: 3 }] })).toBe(false);
  });

  it('the solution folder lists files that exist, in the layout of the Azure-Sentinel repository', () => {
    const solution = readJson<Record<string, unknown>>(join(SOLUTION, 'Data/Solution_Verdict.json'));
    expect(Object.keys(solution)).toEqual(
      expect.arrayContaining(['Name', 'Author', 'Logo', 'Description', 'Workbooks', 'Playbooks', 'BasePath', 'Version', 'Metadata', 'TemplateSpec', 'Is1Pconnector']),
    );
    for (const file of [...(solution.Workbooks as string[]), ...(solution.Playbooks as string[]), solution.Metadata as string]) expect(existsSync(join(SOLUTION, file)), file).toBe(true);
    const metadata = readJson<Record<string, unknown>>(join(SOLUTION, 'SolutionMetadata.json'));
    expect(Object.keys(metadata)).toEqual(expect.arrayContaining(['publisherId', 'offerId', 'firstPublishDate', 'providers', 'categories', 'support']));
  });

  it('the playbook follows the reference Sentinel playbook: template shape, trigger, managed-identity connections', () => {
    for (const key of ['$schema', 'contentVersion', 'metadata', 'parameters', 'variables', 'resources']) expect(template[key], key).toEqual(expect.anything());
    expect(template.$schema).toBe(reference.$schema);
    expect(Object.keys(template.metadata).sort()).toEqual(Object.keys(reference.metadata).sort());
    expect(workflow.apiVersion).toBe('2017-07-01');
    expect(workflow.identity).toEqual({ type: 'SystemAssigned' });
    expect(workflow.tags.LogicAppsCategory).toBe('security');
    expect(definition.$schema).toBe(Object.values<any>(reference.resources).find((resource) => resource.type === 'Microsoft.Logic/workflows').properties.definition.$schema);
    const referenceTrigger = Object.values<any>(reference.resources).find((resource) => resource.type === 'Microsoft.Logic/workflows').properties.definition.triggers.Microsoft_Sentinel_incident;
    expect(definition.triggers.Microsoft_Sentinel_incident).toEqual(referenceTrigger);
    const connections = workflow.properties.parameters.$connections.value;
    for (const connection of Object.values<any>(connections)) expect(connection.connectionProperties.authentication.type).toBe('ManagedServiceIdentity');
    const text = JSON.stringify(template);
    for (const [, name] of text.matchAll(/\$connections'\)\['([^']+)'\]/g)) expect(connections[name!], `connection ${name}`).toBeDefined();
    for (const [, name] of text.matchAll(/\[parameters\('([^']+)'\)/g)) expect(template.parameters[name!], `ARM parameter ${name}`).toBeDefined();
    for (const [, name] of text.matchAll(/@\{?parameters\('([^']+)'\)/g)) expect(definition.parameters[name!], `workflow parameter ${name}`).toBeDefined();
    const actions = allActions(definition.actions);
    const names = new Set(actions.map(([name]) => name));
    for (const [name, action] of actions) for (const after of Object.keys(action.runAfter ?? {})) expect(names.has(after), `${name} runs after ${after}`).toBe(true);
    // The token comes from Key Vault and never shows in run history.
    const [, secret] = actions.find(([name]) => name === 'Get_Verdict_API_token')!;
    expect(secret.runtimeConfiguration.secureData.properties).toContain('outputs');
  });

  it("the playbook's HTTP action calls POST /v1/triage with a body the service's OpenAPI accepts, which the Sentinel normalizer reads", () => {
    const [, http] = allActions(definition.actions).find(([, action]) => action.type === 'Http')!;
    const incident = readFixture('sentinel-incident.get.json');
    const context = {
      triggerBody: { object: incident },
      parameters: { VerdictUrl: 'https://verdict.contoso.example', VerdictTokenSecretName: 'verdict-api-token' },
      body: { Get_Verdict_API_token: { value: 'token-from-key-vault' } },
    };
    const inputs = evaluate(http.inputs, context) as { method: string; uri: string; headers: Record<string, string>; body: unknown };
    const url = new URL(inputs.uri);
    const operation = openapi.paths[url.pathname]?.[inputs.method.toLowerCase()];
    expect(operation, `${inputs.method} ${url.pathname} in the OpenAPI document`).toBeDefined();
    expect(url.pathname).toBe('/v1/triage');

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ ...openapi, $id: 'verdict-openapi.json' });
    const parameterSchema = (name: string, location: string) => operation.parameters.find((parameter: { name: string; in: string }) => parameter.name === name && parameter.in === location);
    for (const [name, value] of url.searchParams) {
      const parameter = parameterSchema(name, 'query');
      expect(parameter, `query parameter ${name}`).toBeDefined();
      expect(ajv.validate(parameter.schema, value), `${name}=${value}: ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
    for (const [name, value] of Object.entries(inputs.headers)) {
      if (['Content-Type', 'Authorization'].includes(name)) continue;
      const parameter = parameterSchema(name, 'header');
      expect(parameter, `header ${name}`).toBeDefined();
      expect(ajv.validate(parameter.schema, value), `${name}: ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
    expect(inputs.headers.Authorization).toBe('Bearer token-from-key-vault');
    expect(Object.keys(openapi.components.securitySchemes)).toContain('bearerToken');
    expect(Object.keys(operation.requestBody.content)).toContain(inputs.headers['Content-Type']);

    const validateBody = ajv.getSchema('verdict-openapi.json#/components/schemas/TriageRequest')!;
    expect(validateBody(inputs.body), JSON.stringify(validateBody.errors)).toBe(true);
    expect(validateBody('an incident'), 'the request schema is not vacuous').toBe(false);
    expect(validateBody([42]), 'the request schema is not vacuous').toBe(false);
    const [alert] = (inputs.body as { alerts: unknown[] }).alerts;
    const normalized = createSentinelPlugin().normalizeAlert(alert);
    expect(normalized.id).toBe(`sentinel-incident-${String(incident.name)}`);
    expect(normalized.title).toBe((incident.properties as { title: string }).title);
  });

  it('the playbook writes the ARM classification and reason pairs the connector offers, for the verdicts the plugin maps', () => {
    const pairs = JSON.stringify(definition).match(/"ClassificationAndReason":"([^"]+)"/g) ?? [];
    expect(pairs.sort()).toEqual(['"ClassificationAndReason":"BenignPositive - SuspiciousButExpected"', '"ClassificationAndReason":"FalsePositive - IncorrectAlertLogic"']);
    const cases = Object.values<any>(allActions(definition.actions).find(([name]) => name === 'Classify_incident')![1].cases).map((branch) => branch.case);
    expect(cases.sort()).toEqual(['benign_positive', 'false_positive', 'true_positive']);
  });
});
