import { enumMembers, propertiesOf, validateGraphValue } from './graph-schema.js';
import type { GraphRecord, MicrosoftEmulatorState } from './emulator-state.js';

/**
 * Microsoft Graph v1.0 security routes: `/security/incidents` and `/security/alerts_v2` (list with
 * `$filter` / `$top` / `$skip` / `$expand=alerts` and `@odata.nextLink`, get, PATCH, comments).
 * Request bodies are checked against the CSDL; answers are checked on the way out too. Evolvable
 * enum members (after `unknownFutureValue`) are hidden unless the client sends
 * `Prefer: include-unknown-enum-members`, as Graph does.
 */

export interface GraphCall {
  method: string;
  /** Path below the version root, e.g. `/security/incidents/1/comments`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
  appId: string;
  appName: string;
  roles: string[];
}

export interface GraphAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

type Resource = 'alerts_v2' | 'incidents';
const TYPE_OF: Record<Resource, string> = { alerts_v2: 'alert', incidents: 'incident' };
const MAX_TOP: Record<Resource, number> = { incidents: 50, alerts_v2: 2000 };
/** PATCH-able properties (platforms.md §3.1, confirmed ones only). */
const UPDATABLE: Record<Resource, string[]> = {
  incidents: ['assignedTo', 'classification', 'determination', 'status', 'customTags'],
  alerts_v2: ['assignedTo', 'classification', 'determination', 'status'],
};
const PERMISSION: Record<Resource, string> = { incidents: 'SecurityIncident', alerts_v2: 'SecurityAlert' };

export function odataError(status: number, code: string, message: string, headers: Record<string, string> = {}): GraphAnswer {
  return {
    status,
    headers,
    body: { error: { code, message, innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': crypto.randomUUID(), 'client-request-id': crypto.randomUUID() } } },
  };
}

/** Enum properties of a type whose members after unknownFutureValue are evolvable. */
function evolvableMembers(typeName: string): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const property of propertiesOf(typeName).values()) {
    const name = property.type.replace(/^self\./, '');
    let members: string[];
    try {
      members = enumMembers(name);
    } catch {
      continue;
    }
    const sentinel = members.indexOf('unknownFutureValue');
    if (sentinel >= 0 && sentinel < members.length - 1) result.set(property.name, new Set(members.slice(sentinel + 1)));
  }
  return result;
}

function present(item: Record<string, unknown>, type: string, includeEvolvable: boolean): Record<string, unknown> {
  const output: Record<string, unknown> = { '@odata.type': `#microsoft.graph.security.${type}`, ...item };
  delete output.alertIds;
  if (!includeEvolvable) {
    for (const [property, members] of evolvableMembers(type)) if (typeof output[property] === 'string' && members.has(output[property] as string)) output[property] = 'unknownFutureValue';
  }
  return output;
}

interface Clause {
  field: string;
  operator: string;
  value: string;
}

const FILTERABLE = new Set(['lastUpdateDateTime', 'createdDateTime', 'status', 'severity', 'classification', 'determination', 'serviceSource', 'assignedTo']);

function parseFilter(filter: string): Clause[] | string {
  const clauses: Clause[] = [];
  for (const part of filter.split(/\s+and\s+/i)) {
    const match = /^\s*(\w+)\s+(eq|ne|ge|gt|le|lt)\s+(?:'([^']*)'|(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})))\s*$/.exec(part);
    if (!match) return `Invalid filter clause: syntax error at '${part.trim()}'.`;
    if (!FILTERABLE.has(match[1]!)) return `Invalid filter clause: property '${match[1]}' is not filterable.`;
    clauses.push({ field: match[1]!, operator: match[2]!, value: match[3] ?? match[4]! });
  }
  return clauses;
}

function matches(item: Record<string, unknown>, clause: Clause): boolean {
  const actual = item[clause.field];
  if (clause.field.endsWith('DateTime')) {
    const left = Date.parse(String(actual));
    const right = Date.parse(clause.value);
    return { eq: left === right, ne: left !== right, ge: left >= right, gt: left > right, le: left <= right, lt: left < right }[clause.operator] ?? false;
  }
  return clause.operator === 'eq' ? actual === clause.value : clause.operator === 'ne' ? actual !== clause.value : false;
}

export function handleGraph(state: MicrosoftEmulatorState, call: GraphCall, graphRoot: string): GraphAnswer {
  const match = /^\/security\/(incidents|alerts_v2)(?:\/([^/]+))?(\/comments)?$/.exec(call.path);
  if (!match) return odataError(400, 'BadRequest', `Resource not found for the segment '${call.path.split('/').filter(Boolean).pop() ?? ''}'.`);
  const resource = match[1] as Resource;
  const id = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  const isComments = match[3] !== undefined;
  const type = TYPE_OF[resource];
  const includeEvolvable = /include-unknown-enum-members/i.test(call.headers.prefer ?? '');
  const isWrite = call.method !== 'GET';
  const needed = isWrite ? [`${PERMISSION[resource]}.ReadWrite.All`] : [`${PERMISSION[resource]}.Read.All`, `${PERMISSION[resource]}.ReadWrite.All`];
  if (!needed.some((role) => call.roles.includes(role))) {
    return odataError(403, 'Forbidden', `Missing application roles. API required roles: ${needed.join(', ')}. Application roles: ${call.roles.join(', ') || '(none)'}.`);
  }
  const store: Map<string, GraphRecord> = resource === 'incidents' ? state.incidents : state.alerts;
  const expandAlerts = (item: Record<string, unknown>): Record<string, unknown> => ({
    ...item,
    alerts: ((item.alertIds as string[] | undefined) ?? [])
      .map((alertId) => state.alerts.get(alertId))
      .filter((alert): alert is GraphRecord => alert !== undefined)
      .map((alert) => present(alert, 'alert', includeEvolvable)),
  });

  if (id === undefined) {
    if (call.method !== 'GET') return odataError(405, 'MethodNotAllowed', `The HTTP method '${call.method}' is not allowed on /security/${resource}.`);
    for (const key of call.query.keys()) {
      if (key.startsWith('$') && !['$filter', '$top', '$skip', '$expand', '$count'].includes(key))
        return odataError(400, 'BadRequest', `Query option '${key}' is not supported on /security/${resource} by this endpoint.`);
    }
    const expand = call.query.get('$expand');
    if (expand !== null && !(resource === 'incidents' && expand === 'alerts'))
      return odataError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.security.${type}'.`);
    const clauses = call.query.has('$filter') ? parseFilter(call.query.get('$filter')!) : [];
    if (typeof clauses === 'string') return odataError(400, 'BadRequest', clauses);
    const topText = call.query.get('$top');
    const top = topText === null ? MAX_TOP[resource] : Number(topText);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP[resource]) return odataError(400, 'BadRequest', `Invalid value for $top: '${topText}'. It must be between 1 and ${MAX_TOP[resource]}.`);
    const skip = Number(call.query.get('$skip') ?? '0');
    if (!Number.isInteger(skip) || skip < 0) return odataError(400, 'BadRequest', `Invalid value for $skip: '${call.query.get('$skip')}'.`);
    const all = [...store.values()]
      .filter((item) => clauses.every((clause) => matches(item, clause)))
      .sort((left, right) => String(left.lastUpdateDateTime).localeCompare(String(right.lastUpdateDateTime)) || left.id.localeCompare(right.id));
    const page = all.slice(skip, skip + top).map((item) => present(expand ? expandAlerts(item) : item, type, includeEvolvable));
    for (const item of page) assertValid(item, type);
    const body: Record<string, unknown> = { '@odata.context': `${graphRoot}/$metadata#security/${resource}${expand ? '(alerts())' : ''}`, value: page };
    if (call.query.has('$count')) body['@odata.count'] = all.length;
    if (skip + top < all.length) {
      const next = new URLSearchParams(call.query);
      next.set('$skip', String(skip + top));
      body['@odata.nextLink'] = `${graphRoot}/security/${resource}?${next.toString().replace(/\+/g, '%20')}`;
    }
    return { status: 200, body };
  }

  const item = store.get(id);
  if (!item) return odataError(404, 'NotFound', `The ${type} with id '${id}' was not found.`);

  if (isComments) {
    if (call.method !== 'POST') return odataError(405, 'MethodNotAllowed', 'Comments can only be added (POST); there is no edit or delete.');
    const body = call.body as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return odataError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
    const issues = validateGraphValue(body, 'alertComment', { mode: 'write' });
    if (issues.length > 0) return odataError(400, 'BadRequest', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    if (typeof body['@odata.type'] === 'string' && body['@odata.type'] !== '#microsoft.graph.security.alertComment')
      return odataError(400, 'BadRequest', `Invalid @odata.type '${String(body['@odata.type'])}'.`);
    if (typeof body.comment !== 'string' || body.comment.trim() === '') return odataError(400, 'BadRequest', "The property 'comment' is required and cannot be empty.");
    const now = state.stamp();
    (item.comments as unknown[]).push({ '@odata.type': 'microsoft.graph.security.alertComment', comment: body.comment, createdByDisplayName: call.appName, createdDateTime: now });
    item.lastUpdateDateTime = now;
    return { status: 200, body: { '@odata.context': `${graphRoot}/$metadata#Collection(microsoft.graph.security.alertComment)`, value: item.comments } };
  }

  if (call.method === 'GET') {
    if (call.query.has('$expand') && !(resource === 'incidents' && call.query.get('$expand') === 'alerts'))
      return odataError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${call.query.get('$expand')}'.`);
    const output = present(call.query.get('$expand') === 'alerts' ? expandAlerts(item) : item, type, includeEvolvable);
    assertValid(output, type);
    return { status: 200, body: { '@odata.context': `${graphRoot}/$metadata#security/${resource}/$entity`, ...output } };
  }
  if (call.method !== 'PATCH') return odataError(405, 'MethodNotAllowed', `The HTTP method '${call.method}' is not allowed.`);
  const patch = call.body as Record<string, unknown> | undefined;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return odataError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  const issues = validateGraphValue(patch, type, { mode: 'write' });
  if (issues.length > 0) return odataError(400, 'BadRequest', `Invalid request body: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
  for (const key of Object.keys(patch)) {
    if (key.startsWith('@odata')) continue;
    if (!UPDATABLE[resource].includes(key)) return odataError(400, 'BadRequest', `Property '${key}' of ${type} cannot be updated; updatable: ${UPDATABLE[resource].join(', ')}.`);
  }
  if (!includeEvolvable) {
    for (const [property, members] of evolvableMembers(type)) {
      if (typeof patch[property] === 'string' && members.has(patch[property] as string))
        return odataError(400, 'BadRequest', `'${String(patch[property])}' is an evolvable member of ${property}: send Prefer: include-unknown-enum-members.`);
    }
  }
  for (const [key, value] of Object.entries(patch)) if (!key.startsWith('@odata')) item[key] = value;
  item.lastUpdateDateTime = state.stamp();
  if (resource === 'incidents') item.lastModifiedBy = `API-App:${call.appId}`;
  const output = present(item, type, includeEvolvable);
  assertValid(output, type);
  return { status: 200, body: { '@odata.context': `${graphRoot}/$metadata#security/${resource}/$entity`, ...output } };
}

/** The emulator's own answers must match the CSDL: a mismatch is an emulator bug, not a client error. */
function assertValid(item: Record<string, unknown>, type: string): void {
  const issues = validateGraphValue(item, type, { mode: 'read' });
  if (issues.length > 0) throw new Error(`emulator answer does not match the CSDL ${type}: ${JSON.stringify(issues.slice(0, 5))}`);
}
