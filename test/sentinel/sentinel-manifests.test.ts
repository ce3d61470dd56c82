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

/** An action of a workflow definition, the action whose branch holds it, and its sibling actions (what runAfter may name). */
type ActionEntry = [name: string, action: any, parent: string | undefined, siblings: Record<string, any>];

/** Every action of a workflow definition, nested ones (If, Switch, Foreach) included. */
function allActions(actions: Record<string, any>, parent?: string): ActionEntry[] {
  return Object.entries(actions).flatMap(([name, action]) => [
    [name, action, parent, actions] as ActionEntry,
    ...allActions(action.actions ?? {}, name),
    ...allActions(action.else?.actions ?? {}, name),
    ...Object.values<any>(action.cases ?? {}).flatMap((branch) => allActions(branch.actions ?? {}, name)),
    ...allActions(action.default?.actions ?? {}, name),
  ]);
}

/** Actions certain to have finished before `name` starts: its runAfter chain, and its enclosing actions' chains. */
function predecessors(entries: readonly ActionEntry[], name: string): Set<string> {
  const byName = new Map(entries.map((entry) => [entry[0], entry]));
  const before = new Set<string>();
  for (let current = byName.get(name); current; current = current[2] === undefined ? undefined : byName.get(current[2])) {
    const pending = Object.keys(current[1].runAfter ?? {});
    while (pending.length > 0) {
      const next = pending.pop()!;
      if (before.has(next)) continue;
      before.add(next);
      pending.push(...Object.keys(current[3][next]?.runAfter ?? {}));
    }
  }
  return before;
}

interface EvaluationContext {
  triggerBody: unknown;
  parameters: Record<string, unknown>;
  body: Record<string, unknown>;
}

/**
 * Evaluates the workflow-language expressions the playbook uses, whole-string (`@…`) or inside
 * `@{…}`: `triggerBody()`, `parameters('X')`, `body('X')` with `?['key']` / `?[0]` accessors, and
 * `string`, `replace`, `encodeURIComponent`. Anything else throws, so a test cannot pass over an
 * expression it did not understand.
 */
function evaluate(value: unknown, context: EvaluationContext): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('@') && !value.startsWith('@{')) return expression(value.slice(1), context);
    return value.replace(/@\{((?:[^}']|'[^']*')*)\}/g, (_whole, inner: string) => String(expression(inner, context)));
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, context));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluate(item, context)]));
  return value;
}

function expression(text: string, context: EvaluationContext): unknown {
  let position = 0;
  const fail = (): never => {
    throw new Error(`unsupported expression ${text} (at ${position})`);
  };
  const skipSpaces = (): void => {
    while (text[position] === ' ') position += 1;
  };
  const literal = (): string => {
    const end = text.indexOf("'", position + 1);
    if (end < 0) fail();
    const value = text.slice(position + 1, end);
    position = end + 1;
    return value;
  };
  const call = (name: string, args: unknown[]): unknown => {
    if (name === 'triggerBody' && args.length === 0) return context.triggerBody;
    if (name === 'parameters' && args.length === 1) return context.parameters[String(args[0])];
    if (name === 'body' && args.length === 1) return context.body[String(args[0])];
    if (name === 'string' && args.length === 1) return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    if (name === 'replace' && args.length === 3) return String(args[0]).split(String(args[1])).join(String(args[2]));
    if (name === 'encodeURIComponent' && args.length === 1) return encodeURIComponent(String(args[0]));
    return fail();
  };
  const term = (): unknown => {
    skipSpaces();
    let current: unknown;
    if (text[position] === "'") current = literal();
    else {
      const name = /^[A-Za-z]+/.exec(text.slice(position))?.[0] ?? fail();
      position += name.length;
      if (text[position] !== '(') fail();
      position += 1;
      const args: unknown[] = [];
      skipSpaces();
      while (text[position] !== ')') {
        args.push(term());
        skipSpaces();
        if (text[position] === ',') position += 1;
        else if (text[position] !== ')') fail();
      }
      position += 1;
      current = call(name, args);
    }
    for (;;) {
      const accessor = /^\??\[(?:'([^']*)'|(\d+))\]/.exec(text.slice(position));
      if (!accessor) return current;
      position += accessor[0].length;
      current = (current as Record<string, unknown> | undefined)?.[accessor[1] ?? Number(accessor[2])];
    }
  };
  const result = term();
  skipSpaces();
  if (position !== text.length) fail();
  return result;
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
    for (const [name, action, , siblings] of actions) for (const after of Object.keys(action.runAfter ?? {})) expect(siblings[after], `${name} runs after ${after}, in its own scope`).toBeDefined();
    // The token comes from Key Vault and never shows in run history.
    const [, secret] = actions.find(([name]) => name === 'Get_Verdict_API_token')!;
    expect(secret.runtimeConfiguration.secureData.properties).toContain('outputs');
  });

  it('the playbook deploys as a Logic App: action names unique in the whole workflow and valid, every output read is of an action that ran before', () => {
    const actions = allActions(definition.actions);
    const names = actions.map(([name]) => name);
    // Consumption Logic Apps: one name space for every action, nested ones included; 1-80 characters, none of < > % & \ ? /.
    expect(
      names.filter((name, index) => names.indexOf(name) !== index),
      'duplicate action names',
    ).toEqual([]);
    for (const name of names) expect(name, name).toMatch(/^[^<>%&\\?/\p{Cc}]{1,80}$/u);
    for (const [name, action] of actions) {
      const reads = [...JSON.stringify(action.inputs ?? {}).matchAll(/\b(?:body|outputs|actions)\('([^']+)'\)/g)].map((match) => match[1]!);
      const before = predecessors(actions, name);
      for (const read of reads) expect(before.has(read), `${name} reads ${read}, which must run before it`).toBe(true);
    }
  });

  it('the incident comment escapes the service text as HTML', () => {
    const [, comment] = allActions(definition.actions).find(([name]) => name === 'Add_comment_to_incident_(V3)')!;
    const hostile = { alertId: 'sentinel-incident-73e01a99', verdict: 'false_positive', confidence: 0.8, probabilityMalicious: 0.1, summary: 'Rule <img src=x onerror=alert(1)> & "more"' };
    const message = String(
      evaluate(comment.inputs.body.message, { triggerBody: {}, parameters: { VerdictUrl: 'https://verdict.contoso.example' }, body: { Triage_with_Verdict: { results: [hostile] } } }),
    );
    expect(message).toContain('Rule &lt;img src=x onerror=alert(1)&gt; &amp; "more"');
    expect(message).not.toContain('<img');
    expect(message).toContain('/v1/verdicts/sentinel-incident-73e01a99');
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
