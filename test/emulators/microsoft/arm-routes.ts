import { randomUUID } from 'node:crypto';
import { validateArmBody } from './arm-schema.js';
import type { ArmIncidentRecord, MicrosoftEmulatorState } from './emulator-state.js';

/**
 * Sentinel ARM incidents API (Incidents.json, api-version 2025-12-01): list (`$filter` on
 * lastModifiedTimeUtc, `$orderby`, `$top` ≤ 1000, `$skipToken`, `nextLink`), get, PUT with
 * optimistic concurrency (a stale `etag` answers 412), comments (PUT create/replace, get, list).
 * Errors are ARM `CloudError` bodies.
 */

export const ARM_API_VERSION = '2025-12-01';

export interface ArmWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

export interface ArmCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  appId: string;
  appName: string;
  role: string | undefined;
}

export interface ArmAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const cloudError = (status: number, code: string, message: string): ArmAnswer => ({ status, body: { error: { code, message } } });

const PATH =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)\/providers\/Microsoft\.SecurityInsights\/incidents(?:\/([^/]+)(?:\/(comments)(?:\/([^/]+))?)?)?$/i;

/** Read-only IncidentProperties: the server's, never taken from a PUT body. */
const READ_ONLY = ['additionalData', 'createdTimeUtc', 'lastModifiedTimeUtc', 'incidentNumber', 'incidentUrl', 'providerName', 'providerIncidentId', 'relatedAnalyticRuleIds', 'teamInformation'];

export interface ArmHooks {
  /** Runs once before the next PUT of that incident is checked (a concurrent analyst edit). */
  beforePut: Map<string, () => void>;
  /** How a stale etag is refused: 412 (default) or 409 Conflict (unconfirmed which Sentinel sends). */
  staleEtagStatus?: 409 | 412;
}

export function handleArm(state: MicrosoftEmulatorState, workspace: ArmWorkspace, hooks: ArmHooks, call: ArmCall, armRoot: string): ArmAnswer {
  if (call.query.get('api-version') !== ARM_API_VERSION) {
    return cloudError(
      400,
      call.query.has('api-version') ? 'InvalidApiVersionParameter' : 'MissingApiVersionParameter',
      `The api-version '${call.query.get('api-version') ?? ''}' is invalid. The supported versions are '${ARM_API_VERSION}'.`,
    );
  }
  const match = PATH.exec(call.path);
  if (!match) return cloudError(404, 'InvalidResourceType', `The resource type could not be found in the namespace 'Microsoft.SecurityInsights' for api version '${ARM_API_VERSION}'.`);
  const [, subscriptionId, resourceGroup, workspaceName, incidentId, comments, commentId] = match;
  const scope = `/subscriptions/${workspace.subscriptionId}/resourceGroups/${workspace.resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/${workspace.workspaceName}`;
  if (subscriptionId !== workspace.subscriptionId || resourceGroup?.toLowerCase() !== workspace.resourceGroup.toLowerCase() || workspaceName?.toLowerCase() !== workspace.workspaceName.toLowerCase()) {
    return cloudError(404, 'ResourceNotFound', `The Resource 'Microsoft.OperationalInsights/workspaces/${workspaceName}' under resource group '${resourceGroup}' was not found.`);
  }
  const isWrite = call.method !== 'GET';
  const allowed = isWrite ? call.role === 'Microsoft Sentinel Responder' : call.role !== undefined;
  if (!allowed) {
    return cloudError(
      403,
      'AuthorizationFailed',
      `The client '${call.appId}' with object id '${call.appId}' does not have authorization to perform action 'Microsoft.SecurityInsights/incidents/${comments ? 'comments/' : ''}${isWrite ? 'write' : 'read'}' over scope '${scope}' or the scope is invalid.`,
    );
  }
  const base = `${scope}/providers/Microsoft.SecurityInsights/incidents`;
  const present = (record: ArmIncidentRecord): Record<string, unknown> => ({
    id: `${base}/${record.name}`,
    name: record.name,
    type: 'Microsoft.SecurityInsights/incidents',
    etag: record.etag,
    properties: {
      ...record.properties,
      incidentUrl: `https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident${base}/${record.name}`,
      additionalData: { alertsCount: 0, bookmarksCount: 0, alertProductNames: [], tactics: [], ...(record.properties.additionalData as object | undefined), commentsCount: record.comments.size },
    },
  });

  if (incidentId === undefined) {
    if (call.method !== 'GET') return cloudError(405, 'MethodNotAllowed', `The requested resource does not support http method '${call.method}'.`);
    const filter = call.query.get('$filter');
    let since: { operator: string; time: number } | undefined;
    if (filter !== null) {
      const parsed = /^properties\/lastModifiedTimeUtc (ge|gt) (\S+)$/.exec(filter.trim());
      if (!parsed || Number.isNaN(Date.parse(parsed[2]!)))
        return cloudError(400, 'BadRequest', `Invalid $filter '${filter}': this endpoint filters on properties/lastModifiedTimeUtc ge|gt <date-time>.`);
      since = { operator: parsed[1]!, time: Date.parse(parsed[2]!) };
    }
    const orderby = call.query.get('$orderby') ?? 'properties/lastModifiedTimeUtc asc';
    if (!/^properties\/lastModifiedTimeUtc (asc|desc)$/.test(orderby)) return cloudError(400, 'BadRequest', `Invalid $orderby '${orderby}'.`);
    const top = Number(call.query.get('$top') ?? '50');
    if (!Number.isInteger(top) || top < 1 || top > 1000) return cloudError(400, 'BadRequest', '$top must be between 1 and 1000.');
    const offset = Number(call.query.get('$skipToken') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) return cloudError(400, 'BadRequest', 'Invalid $skipToken.');
    const items = [...state.armIncidents.values()]
      .filter((record) => {
        if (!since) return true;
        const time = Date.parse(String(record.properties.lastModifiedTimeUtc));
        return since.operator === 'ge' ? time >= since.time : time > since.time;
      })
      .sort((left, right) => String(left.properties.lastModifiedTimeUtc).localeCompare(String(right.properties.lastModifiedTimeUtc)) * (orderby.endsWith('desc') ? -1 : 1));
    const body: Record<string, unknown> = { value: items.slice(offset, offset + top).map(present) };
    if (offset + top < items.length) {
      const next = new URLSearchParams(call.query);
      next.set('$skipToken', String(offset + top));
      body.nextLink = `${armRoot}${call.path}?${next.toString().replace(/\+/g, '%20')}`;
    }
    return { status: 200, body };
  }

  const name = decodeURIComponent(incidentId);
  const record = state.armIncidents.get(name);

  if (comments) {
    if (!record) return cloudError(404, 'NotFound', `Incident '${name}' was not found.`);
    if (commentId === undefined) {
      if (call.method !== 'GET') return cloudError(405, 'MethodNotAllowed', `The requested resource does not support http method '${call.method}'.`);
      return { status: 200, body: { value: [...record.comments.entries()].map(([id, comment]) => presentComment(base, name, id, comment)) } };
    }
    const id = decodeURIComponent(commentId);
    const existing = record.comments.get(id);
    if (call.method === 'GET') return existing ? { status: 200, body: presentComment(base, name, id, existing) } : cloudError(404, 'NotFound', `Comment '${id}' was not found.`);
    if (call.method !== 'PUT') return cloudError(405, 'MethodNotAllowed', `The requested resource does not support http method '${call.method}'.`);
    const issues = validateArmBody(call.body, 'IncidentComment');
    if (issues.length > 0) return cloudError(400, 'BadRequest', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    const message = ((call.body as Record<string, unknown>).properties as Record<string, unknown>).message as string;
    if (message.length > 30_000) return cloudError(400, 'BadRequest', 'The comment message is longer than 30000 characters.');
    const now = state.stamp();
    const comment = {
      etag: `"${randomUUID()}"`,
      properties: {
        message,
        createdTimeUtc: existing?.properties.createdTimeUtc ?? now,
        lastModifiedTimeUtc: now,
        author: { objectId: call.appId, name: call.appName, userPrincipalName: null, email: null },
      },
    };
    record.comments.set(id, comment);
    record.properties.lastModifiedTimeUtc = now;
    return { status: existing ? 200 : 201, body: presentComment(base, name, id, comment) };
  }

  if (call.method === 'GET') return record ? { status: 200, body: present(record) } : cloudError(404, 'NotFound', `Incident '${name}' was not found.`);
  if (call.method !== 'PUT') return cloudError(405, 'MethodNotAllowed', `The requested resource does not support http method '${call.method}'.`);
  const hook = hooks.beforePut.get(name);
  if (hook) {
    hooks.beforePut.delete(name);
    hook();
  }
  const issues = validateArmBody(call.body, 'Incident');
  if (issues.length > 0) return cloudError(400, 'BadRequest', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  const body = call.body as { etag?: string; properties: Record<string, unknown> };
  if (record && body.etag !== undefined && body.etag !== record.etag) {
    const status = hooks.staleEtagStatus ?? 412;
    return cloudError(status, status === 409 ? 'Conflict' : 'PreconditionFailed', `The specified etag ${body.etag} does not match the incident's current etag; read the incident again and retry.`);
  }
  if (
    body.properties.status === 'Closed' &&
    (body.properties.classification === undefined || (body.properties.classification === 'Undetermined' && body.properties.classificationReason !== undefined))
  ) {
    return cloudError(400, 'BadRequest', 'Closing an incident requires a classification (TruePositive, BenignPositive, FalsePositive or Undetermined).');
  }
  if (body.properties.classificationReason !== undefined && body.properties.classification === undefined) return cloudError(400, 'BadRequest', 'classificationReason needs a classification.');
  const writable = Object.fromEntries(Object.entries(body.properties).filter(([key]) => !READ_ONLY.includes(key)));
  if (Array.isArray(writable.labels)) writable.labels = (writable.labels as Array<Record<string, unknown>>).map((label) => ({ labelName: label.labelName, labelType: 'User' }));
  const now = state.stamp();
  const kept = record ? Object.fromEntries(READ_ONLY.filter((key) => record.properties[key] !== undefined).map((key) => [key, record.properties[key]])) : { createdTimeUtc: now };
  const next: ArmIncidentRecord = {
    name,
    etag: `"${randomUUID()}"`,
    properties: { ...kept, ...writable, lastModifiedTimeUtc: now, lastModifiedBy: undefined },
    comments: record?.comments ?? new Map(),
  };
  delete next.properties.lastModifiedBy;
  state.armIncidents.set(name, next);
  return { status: record ? 200 : 201, body: present(next) };
}

function presentComment(base: string, incident: string, id: string, comment: { etag: string; properties: Record<string, unknown> }): Record<string, unknown> {
  return { id: `${base}/${incident}/comments/${id}`, name: id, type: 'Microsoft.SecurityInsights/incidents/comments', etag: comment.etag, properties: comment.properties };
}
