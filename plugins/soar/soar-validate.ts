import vm from 'node:vm';
import { validateKwalify } from './kwalify.js';

/**
 * Checks of each generated artefact against shared/specs/soar. XSOAR publishes a schema (checked
 * with the kwalify validator); Splunk SOAR, Tines and Shuffle publish none, so their checks are
 * derived from the reference files there: the keys, value types and vocabularies those use.
 */
export interface SoarIssue {
  artefact: string;
  path: string;
  message: string;
}

export interface SoarSpecs {
  xsoarSchema: Record<string, unknown>;
  /** Splunk SOAR app manifests of Splunk's own apps (http.json, splunk-app.json). */
  splunkSoarExamples: Array<Record<string, unknown>>;
  tinesExample: Record<string, unknown>;
  shuffleExample: Record<string, unknown>;
}

type Json = Record<string, any>;

export function validateXsoarIntegration(integration: Json, specs: SoarSpecs): SoarIssue[] {
  const issues = validateKwalify(specs.xsoarSchema, integration).map((issue) => ({ artefact: 'xsoar', ...issue }));
  const script = integration.script?.script;
  try {
    // XSOAR runs the script as a function body (it ends with a top-level return).
    new vm.Script(`(function () {\n${script}\n})`);
  } catch (error) {
    issues.push({ artefact: 'xsoar', path: 'script.script', message: `does not compile: ${(error as Error).message}` });
  }
  const names = (integration.script?.commands ?? []).map((command: Json) => command.name);
  for (const required of ['verdict-triage-alert', 'verdict-get-verdict', 'verdict-send-feedback']) {
    if (!names.includes(required)) issues.push({ artefact: 'xsoar', path: 'script.commands', message: `lacks ${required}` });
  }
  if (integration.script?.isfetch !== true) issues.push({ artefact: 'xsoar', path: 'script.isfetch', message: 'must be true: verdicts are mirrored as incidents' });
  return issues;
}

export function validateSplunkSoarApp(app: Json, specs: SoarSpecs): SoarIssue[] {
  const issues: SoarIssue[] = [];
  const add = (path: string, message: string) => issues.push({ artefact: 'splunk-soar', path, message });
  const examples = specs.splunkSoarExamples;
  const union = (pick: (example: Json) => Json[]) => new Set(examples.flatMap((example) => pick(example).flatMap((item) => Object.keys(item))));
  const values = (pick: (example: Json) => unknown[]) => new Set(examples.flatMap(pick));
  // Top level: every key Splunk's apps have, with the same JSON type.
  const first = examples[0] ?? {};
  for (const [key, value] of Object.entries(first)) {
    if (!(key in app)) add(key, 'is missing (every Splunk SOAR app manifest has it)');
    else if (jsonType(app[key]) !== jsonType(value)) add(key, `is ${jsonType(app[key])}; Splunk's apps have ${jsonType(value)}`);
  }
  for (const key of Object.keys(app)) if (!examples.some((example) => key in example)) add(key, 'is not a key Splunk SOAR app manifests use');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(String(app.appid))) add('appid', 'must be a UUID');
  if (!/_connector\.py$/.test(String(app.main_module))) add('main_module', 'must name a <x>_connector.py');
  const actionKeys = union((example) => example.actions);
  const parameterKeys = union((example) => example.actions.flatMap((action: Json) => Object.values(action.parameters ?? {})));
  const outputKeys = union((example) => example.actions.flatMap((action: Json) => action.output ?? []));
  const configurationKeys = union((example) => Object.values(example.configuration));
  const dataTypes = values((example) => [
    ...Object.values(example.configuration).map((item: any) => item.data_type),
    ...example.actions.flatMap((action: Json) => [...Object.values(action.parameters ?? {}).map((item: any) => item.data_type), ...(action.output ?? []).map((item: Json) => item.data_type)]),
  ]);
  const actionTypes = values((example) => example.actions.map((action: Json) => action.type));
  const renderTypes = values((example) => example.actions.map((action: Json) => action.render?.type).filter(Boolean));
  for (const [name, item] of Object.entries(app.configuration ?? {}) as Array<[string, Json]>) {
    for (const key of Object.keys(item)) if (!configurationKeys.has(key)) add(`configuration.${name}.${key}`, 'is not a key asset configurations use');
    if (!dataTypes.has(item.data_type)) add(`configuration.${name}.data_type`, `${item.data_type} is not a data type Splunk SOAR apps use`);
  }
  const identifiers = new Set<string>();
  for (const [index, action] of (app.actions ?? []).entries() as Iterable<[number, Json]>) {
    const at = `actions[${index}]`;
    for (const key of ['action', 'identifier', 'description', 'type', 'read_only', 'parameters', 'output', 'versions']) if (!(key in action)) add(`${at}.${key}`, 'is missing');
    for (const key of Object.keys(action)) if (!actionKeys.has(key)) add(`${at}.${key}`, 'is not a key actions use');
    if (!actionTypes.has(action.type)) add(`${at}.type`, `${action.type} is not one of ${[...actionTypes].join(', ')}`);
    if (action.render && !renderTypes.has(action.render.type)) add(`${at}.render.type`, `${action.render.type} is not one of ${[...renderTypes].join(', ')}`);
    if (identifiers.has(action.identifier)) add(`${at}.identifier`, 'is not unique');
    identifiers.add(action.identifier);
    const orders = new Set<number>();
    for (const [name, parameter] of Object.entries(action.parameters ?? {}) as Array<[string, Json]>) {
      for (const key of Object.keys(parameter)) if (!parameterKeys.has(key)) add(`${at}.parameters.${name}.${key}`, 'is not a key parameters use');
      if (!dataTypes.has(parameter.data_type)) add(`${at}.parameters.${name}.data_type`, `${parameter.data_type} is not a data type Splunk SOAR apps use`);
      if (orders.has(parameter.order)) add(`${at}.parameters.${name}.order`, 'repeats another parameter order');
      orders.add(parameter.order);
    }
    for (const [outputIndex, output] of (action.output ?? []).entries() as Iterable<[number, Json]>) {
      for (const key of Object.keys(output)) if (!outputKeys.has(key)) add(`${at}.output[${outputIndex}].${key}`, 'is not a key outputs use');
      if (!/^(action_result\.|summary\.)/.test(output.data_path)) add(`${at}.output[${outputIndex}].data_path`, 'must start with action_result. or summary.');
      const parameter = /^action_result\.parameter\.(\w+)$/.exec(output.data_path)?.[1];
      if (parameter && !(parameter in (action.parameters ?? {}))) add(`${at}.output[${outputIndex}].data_path`, `names parameter ${parameter}, which the action does not have`);
      if (!dataTypes.has(output.data_type)) add(`${at}.output[${outputIndex}].data_type`, `${output.data_type} is not a data type Splunk SOAR apps use`);
    }
  }
  if (![...identifiers].includes('test_connectivity')) add('actions', 'lacks test connectivity');
  return issues;
}

export function validateTinesStory(story: Json, specs: SoarSpecs): SoarIssue[] {
  const issues: SoarIssue[] = [];
  const add = (path: string, message: string) => issues.push({ artefact: 'tines', path, message });
  const example = specs.tinesExample;
  for (const [key, value] of Object.entries(example)) {
    if (!(key in story)) add(key, 'is missing (the export format has it)');
    else if (value !== null && story[key] !== null && jsonType(story[key]) !== jsonType(value)) add(key, `is ${jsonType(story[key])}; the export has ${jsonType(value)}`);
  }
  for (const key of Object.keys(story)) if (!(key in example)) add(key, 'is not a key of a story export');
  const exampleAgents = example.agents as Json[];
  const agentKeys = new Set(exampleAgents.flatMap((agent) => Object.keys(agent)));
  const alwaysKeys = Object.keys(exampleAgents[0] ?? {}).filter((key) => exampleAgents.every((agent) => key in agent));
  const guids = new Set<string>();
  for (const [index, agent] of (story.agents ?? []).entries() as Iterable<[number, Json]>) {
    for (const key of alwaysKeys) if (!(key in agent)) add(`agents[${index}].${key}`, 'is missing');
    for (const key of Object.keys(agent)) if (!agentKeys.has(key)) add(`agents[${index}].${key}`, 'is not a key of an exported action');
    if (!/^Agents::\w+Agent$/.test(agent.type)) add(`agents[${index}].type`, 'must be Agents::<Type>Agent');
    if (!/^[0-9a-f]{32}$/.test(agent.guid)) add(`agents[${index}].guid`, 'must be 32 hex digits');
    guids.add(agent.guid);
    if (agent.type === 'Agents::HTTPRequestAgent') {
      for (const key of ['url', 'method', 'content_type', 'payload', 'headers']) if (!(key in agent.options)) add(`agents[${index}].options.${key}`, 'is missing');
      for (const pattern of agent.options.retry_on_status ?? []) {
        if (!['409', '429', '503'].some((status) => new RegExp(`^(?:${pattern})$`).test(status)))
          add(`agents[${index}].options.retry_on_status`, `${pattern} matches none of 409 (still running), 429 and 5xx: only those are safe to retry`);
      }
    }
    if (agent.type === 'Agents::WebhookAgent' && !agent.options?.secret) add(`agents[${index}].options.secret`, 'a webhook needs a secret');
    for (const name of formulaFunctions(agent.options)) {
      if (!TINES_FUNCTIONS.has(name)) add(`agents[${index}].options`, `calls ${name}(), which is not a Tines formula function (JSON text is TO_JSON)`);
    }
  }
  for (const [index, link] of (story.links ?? []).entries() as Iterable<[number, Json]>) {
    for (const end of ['source', 'receiver']) if (!(Number.isInteger(link[end]) && link[end] >= 0 && link[end] < story.agents.length)) add(`links[${index}].${end}`, 'is not an index into agents');
  }
  try {
    const layout = JSON.parse(story.diagram_layout) as Record<string, unknown>;
    for (const guid of guids) if (!(guid in layout)) add('diagram_layout', `has no position for agent ${guid}`);
  } catch {
    add('diagram_layout', 'must be a JSON string');
  }
  return issues;
}

export function validateShuffleApp(app: Json, appSource: string, specs: SoarSpecs): SoarIssue[] {
  const issues: SoarIssue[] = [];
  const add = (path: string, message: string) => issues.push({ artefact: 'shuffle', path, message });
  const example = specs.shuffleExample;
  for (const [key, value] of Object.entries(example)) {
    if (!(key in app)) add(key, 'is missing');
    else if (jsonType(app[key]) !== jsonType(value)) add(key, `is ${jsonType(app[key])}; Shuffle apps have ${jsonType(value)}`);
  }
  for (const key of Object.keys(app)) if (!(key in example) && key !== 'large_image' && key !== 'authentication') add(key, 'is not a key of a Shuffle app');
  if (!String(app.large_image ?? '').startsWith('data:image/png;base64,')) add('large_image', 'must be a data-URI PNG');
  const exampleActions = example.actions as Json[];
  const actionKeys = new Set(exampleActions.flatMap((action) => Object.keys(action)));
  const parameterKeys = new Set(exampleActions.flatMap((action) => (action.parameters ?? []).flatMap((parameter: Json) => Object.keys(parameter))));
  const schemaTypes = new Set(exampleActions.flatMap((action) => (action.parameters ?? []).map((parameter: Json) => parameter.schema?.type)));
  for (const [index, action] of (app.actions ?? []).entries() as Iterable<[number, Json]>) {
    const at = `actions[${index}]`;
    for (const key of Object.keys(action)) if (!actionKeys.has(key)) add(`${at}.${key}`, 'is not a key of an action');
    if (!action.returns?.schema?.type) add(`${at}.returns.schema.type`, 'is missing');
    const method = new RegExp(`^    def ${action.name}\\(self, ([^)]*)\\):`, 'm').exec(appSource);
    if (!method) {
      add(`${at}.name`, `src/app.py has no method ${action.name}`);
      continue;
    }
    const accepted = method[1]!.split(',').map((parameter) => parameter.trim().split('=')[0]);
    for (const [parameterIndex, parameter] of (action.parameters ?? []).entries() as Iterable<[number, Json]>) {
      for (const key of Object.keys(parameter)) if (!parameterKeys.has(key)) add(`${at}.parameters[${parameterIndex}].${key}`, 'is not a key of a parameter');
      if (!schemaTypes.has(parameter.schema?.type)) add(`${at}.parameters[${parameterIndex}].schema.type`, `${parameter.schema?.type} is not one of ${[...schemaTypes].join(', ')}`);
      if (!accepted.includes(parameter.name)) add(`${at}.parameters[${parameterIndex}]`, `src/app.py ${action.name}() takes no ${parameter.name}`);
    }
  }
  return issues;
}

/** Formula functions a story may call, each as documented at tines.com/docs/formulas/functions. */
const TINES_FUNCTIONS = new Set(['SHA256', 'SHA256_BASE64', 'SHA512', 'TO_JSON', 'JSON_PARSE']);

/** Names of the functions called inside the `<<…>>` formulas of an action's options. */
function formulaFunctions(options: unknown): string[] {
  const text = JSON.stringify(options ?? {});
  return [...text.matchAll(/<<([^<>]*)>>/g)].flatMap((formula) => [...formula[1]!.matchAll(/\b([A-Z][A-Z0-9_]*)\(/g)].map((call) => call[1]!));
}

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
