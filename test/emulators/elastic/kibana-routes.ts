import { randomUUID } from 'node:crypto';
import { connectorValidator, describeErrors } from './spec-validator.js';
import type { ElasticsearchState } from './elastic-state.js';
import { badRequest, KibanaError, notFound, type KibanaState, type SavedObject } from './kibana-state.js';
import type { Principal } from './principals.js';
import { parseJsonBody } from './es-routes.js';

/**
 * Kibana REST routes: detection-engine alerts (status, tags, search, index, privileges), Cases,
 * saved-objects import, connectors and status. Bodies of operations in the OpenAPI documents are
 * checked against them by the caller (kibana request validation); the rest here.
 */

export interface KibanaRequest {
  method: string;
  /** Path without the `/s/<space>` prefix. */
  path: string;
  space: string;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  principal: Principal;
}

const SAVED_OBJECT_TYPES = new Set(['index-pattern', 'dashboard', 'visualization', 'lens', 'search', 'tag', 'config']);

export function handleKibana(kibana: KibanaState, elasticsearch: ElasticsearchState, request: KibanaRequest): { status: number; body: unknown } {
  const { method, path, principal, space } = request;
  const json = (): Record<string, unknown> => {
    try {
      return parseJsonBody(request.body);
    } catch {
      throw badRequest('[request body]: expected value of type [object] but got a body that is not JSON');
    }
  };
  const ok = (body: unknown, status = 200) => ({ status, body });

  if (method === 'GET' && path === '/api/status') {
    return ok({
      name: 'kibana-emulator',
      uuid: '5b2de169-2785-441b-ae8c-186a1936b17d',
      version: { number: kibana.version, build_hash: 'emulator', build_number: 1, build_snapshot: false },
      status: { overall: { level: 'available', summary: 'All services are available' }, core: {}, plugins: {} },
    });
  }
  if (method === 'GET' && path === '/api/detection_engine/index') return ok({ name: kibana.alertsIndex(space), index_mapping_outdated: false });
  if (method === 'GET' && path === '/api/detection_engine/privileges') {
    const alertsIndex = kibana.alertsIndex(space);
    let canRead = true;
    try {
      principal.require('read', elasticsearch.resolve(alertsIndex, { ignoreUnavailable: true }));
    } catch {
      canRead = false;
    }
    const canWrite = (() => {
      try {
        principal.requireKibana('siem', 'update alerts');
        return true;
      } catch {
        return false;
      }
    })();
    return ok({
      username: principal.username,
      is_authenticated: true,
      has_encryption_key: true,
      has_all_requested: canRead && canWrite,
      cluster: { monitor: canRead },
      index: { [alertsIndex]: { read: canRead, write: canWrite, maintenance: canWrite, view_index_metadata: canRead } },
      application: {},
    });
  }
  if (method === 'POST' && path === '/api/detection_engine/signals/search') {
    const body = json();
    const result = elasticsearch.search(elasticsearch.documentsOf(kibana.alertsIndex(space), { ignoreUnavailable: true }), {
      ...(body.query ? { query: body.query } : {}),
      ...(body.sort ? { sort: body.sort } : {}),
      size: body.size ?? 10,
    });
    return ok({ took: 1, timed_out: false, _shards: { failed: 0, skipped: 0, successful: 1, total: 1 }, hits: { hits: result.hits, max_score: null, total: { relation: 'eq', value: result.total } } });
  }
  if (method === 'POST' && path === '/api/detection_engine/signals/status') {
    principal.requireKibana('siem', 'update alert status');
    const body = json();
    if (!Array.isArray(body.signal_ids)) throw badRequest('[request body]: updating alert status by query is not supported by this emulator; pass signal_ids');
    if (body.reason !== undefined && !supportsReason(kibana.version)) throw badRequest(`[request body]: Unrecognized key(s) in object: 'reason'`);
    return ok(kibana.setStatus(space, body.signal_ids.map(String), String(body.status), body.reason === undefined ? undefined : String(body.reason), principal));
  }
  if (method === 'POST' && path === '/api/detection_engine/signals/tags' && !isAtLeast(kibana.version, 8, 10)) throw notFound('Not Found'); // alert tags came with 8.10
  if (method === 'POST' && path === '/api/detection_engine/signals/tags') {
    principal.requireKibana('siem', 'update alert tags');
    const body = json();
    const tags = body.tags as { tags_to_add: string[]; tags_to_remove: string[] };
    const both = tags.tags_to_add.filter((tag) => tags.tags_to_remove.includes(tag));
    if (both.length > 0) throw badRequest(`Duplicated tags were found in the tags_to_add and tags_to_remove parameters.`);
    return ok(kibana.setTags(space, (body.ids as unknown[]).map(String), tags.tags_to_add, tags.tags_to_remove));
  }
  if (path === '/api/cases' && method === 'POST') {
    principal.requireKibana('cases', `create case with owners: "${String(json().owner)}"`);
    return ok(kibana.createCase(json(), principal));
  }
  if (path === '/api/cases' && method === 'PATCH') {
    principal.requireKibana('cases', 'update case');
    return ok(kibana.updateCases(json().cases as Array<Record<string, unknown>>, principal));
  }
  if (path === '/api/cases/_find' && method === 'GET') return ok(kibana.findCases(request.query));
  const alertCases = path.match(/^\/api\/cases\/alerts\/([^/]+)$/);
  if (alertCases && method === 'GET') {
    const alertId = decodeURIComponent(alertCases[1]!);
    const owners = request.query.getAll('owner');
    return ok(
      [...kibana.cases.values()]
        .filter((record) => owners.length === 0 || owners.includes(record.owner))
        .filter((record) => record.comments.some((comment) => comment.type === 'alert' && [comment.alertId].flat().includes(alertId)))
        .map((record) => ({
          id: record.id,
          title: record.title,
          description: record.description,
          status: record.status,
          createdAt: record.created_at,
          totals: { alerts: record.totalAlerts, userComments: record.totalComment },
        })),
    );
  }
  const caseComments = path.match(/^\/api\/cases\/([^/]+)\/comments$/);
  if (caseComments && method === 'POST') {
    principal.requireKibana('cases', 'add comments');
    return ok(kibana.addComment(decodeURIComponent(caseComments[1]!), json(), principal, space));
  }
  // GET /api/cases/{caseId}/alerts: every alert attached, with its index and attachment time.
  const caseAlerts = path.match(/^\/api\/cases\/([^/_][^/]*)\/alerts$/);
  if (caseAlerts && method === 'GET') {
    const record = kibana.getCase(decodeURIComponent(caseAlerts[1]!));
    return ok(
      record.comments
        .filter((comment) => comment.type === 'alert')
        .flatMap((comment) => [comment.alertId].flat().map((id, index) => ({ id: String(id), index: String([comment.index].flat()[index]), attached_at: comment.created_at }))),
    );
  }
  const oneCase = path.match(/^\/api\/cases\/([^/_][^/]*)$/);
  if (oneCase && method === 'GET') return ok(kibana.getCase(decodeURIComponent(oneCase[1]!)));

  if (path === '/api/saved_objects/_import' && method === 'POST') {
    principal.requireKibana('savedObjects', 'bulk_create saved objects');
    return ok(importSavedObjects(kibana, request));
  }
  const savedObject = path.match(/^\/api\/saved_objects\/([^/_][^/]*)\/([^/]+)$/);
  if (savedObject && method === 'GET') {
    const found = kibana.savedObjects.get(`${decodeURIComponent(savedObject[1]!)}/${decodeURIComponent(savedObject[2]!)}`);
    if (!found) throw notFound(`Saved object [${decodeURIComponent(savedObject[1]!)}/${decodeURIComponent(savedObject[2]!)}] not found`);
    return ok(found);
  }
  if (path === '/api/actions/connectors' && method === 'GET') return ok([...kibana.connectors.values()].map(publicConnector));
  const connector = path.match(/^\/api\/actions\/connector(?:\/([^/]+))?$/);
  if (connector) {
    const id = connector[1] === undefined ? undefined : decodeURIComponent(connector[1]);
    if (method === 'GET') {
      const found = id === undefined ? undefined : kibana.connectors.get(id);
      if (!found) throw notFound(`Saved object [action/${id ?? ''}] not found`);
      return ok(publicConnector(found));
    }
    if (method === 'POST' || method === 'PUT') {
      principal.requireKibana('actions', 'create a connector');
      const body = json();
      const existing = id === undefined ? undefined : kibana.connectors.get(id);
      if (method === 'POST' && existing) throw new KibanaError(409, 'Conflict', `Saved object [action/${id}] conflict`);
      if (method === 'PUT' && !existing) throw notFound(`Saved object [action/${id ?? ''}] not found`);
      const typeId = method === 'PUT' ? existing!.connector_type_id : String(body.connector_type_id ?? '');
      checkConnector(typeId, body.config, body.secrets);
      const saved = {
        id: id ?? randomUUID(),
        name: String(body.name ?? ''),
        connector_type_id: typeId,
        config: (body.config ?? {}) as Record<string, unknown>,
        secrets: (body.secrets ?? {}) as Record<string, unknown>,
      };
      kibana.connectors.set(saved.id, saved);
      return ok(publicConnector(saved));
    }
  }
  throw notFound('Not Found');
}

function supportsReason(version: string): boolean {
  return isAtLeast(version, 9, 2);
}

function isAtLeast(version: string, firstMajor: number, firstMinor: number): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > firstMajor || (major === firstMajor && minor >= firstMinor);
}

/** Secrets never come back from the connector APIs. */
function publicConnector(connector: { id: string; name: string; connector_type_id: string; config: Record<string, unknown> }) {
  return {
    id: connector.id,
    name: connector.name,
    connector_type_id: connector.connector_type_id,
    config: connector.config,
    is_preconfigured: false,
    is_deprecated: false,
    is_missing_secrets: false,
    is_system_action: false,
  };
}

function checkConnector(typeId: string, config: unknown, secrets: unknown): void {
  const types = connectorValidator('connector_types');
  if (!types(typeId)) throw badRequest(`[request body]: connector_type_id: ${describeErrors(types).join('; ')}`);
  if (typeId !== '.webhook') return;
  for (const [name, value] of [
    ['webhook_config', config],
    ['webhook_secrets', secrets],
  ] as const) {
    const validate = connectorValidator(name);
    if (!validate(value ?? {})) throw badRequest(`error validating action type ${name.replace('webhook_', '')}: ${describeErrors(validate).join('; ')}`);
  }
  const settings = (config ?? {}) as Record<string, unknown>;
  if (typeof settings.url !== 'string' || !/^https?:\/\//.test(settings.url)) throw badRequest('error validating action type config: [url]: expected value of type [string] that is a URL');
}

/** `POST /api/saved_objects/_import` (multipart field `file`, NDJSON; `overwrite=true` to replace). */
function importSavedObjects(kibana: KibanaState, request: KibanaRequest): Record<string, unknown> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(request.contentType)?.[2];
  if (!request.contentType.startsWith('multipart/form-data') || !boundary) throw new KibanaError(415, 'Unsupported Media Type', 'Unsupported Media Type');
  const part = request.body
    .toString('utf8')
    .split(`--${boundary}`)
    .find((chunk) => /name="file"/.test(chunk));
  if (!part) throw badRequest('[request body.file]: expected value of type [Stream] but got [undefined]');
  const content = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  const objects: SavedObject[] = [];
  for (const [index, line] of content.split('\n').entries()) {
    if (line.trim() === '') continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw badRequest(`Unexpected token in JSON at line ${index + 1}`);
    }
    if ('exportedCount' in parsed) continue; // The export summary line.
    objects.push(parsed as SavedObject);
  }
  const overwrite = request.query.get('overwrite') === 'true';
  const importing = new Set(objects.map((object) => `${object.type}/${object.id}`));
  const errors: Array<Record<string, unknown>> = [];
  const successResults: Array<Record<string, unknown>> = [];
  for (const object of objects) {
    const title = String(object.attributes?.title ?? object.attributes?.name ?? object.id);
    if (!SAVED_OBJECT_TYPES.has(object.type)) {
      errors.push({ id: object.id, type: object.type, title, meta: { title }, error: { type: 'unsupported_type' } });
      continue;
    }
    const missing = (object.references ?? []).filter((reference) => !importing.has(`${reference.type}/${reference.id}`) && !kibana.savedObjects.has(`${reference.type}/${reference.id}`));
    if (missing.length > 0) {
      errors.push({ id: object.id, type: object.type, title, meta: { title }, error: { type: 'missing_references', references: missing.map(({ type, id }) => ({ type, id })) } });
      continue;
    }
    const key = `${object.type}/${object.id}`;
    const exists = kibana.savedObjects.has(key);
    if (exists && !overwrite) {
      errors.push({ id: object.id, type: object.type, title, meta: { title }, error: { type: 'conflict' } });
      continue;
    }
    kibana.savedObjects.set(key, { ...object, namespaces: [request.space], updated_at: new Date().toISOString(), version: `WzEsMV0=` });
    successResults.push({ type: object.type, id: object.id, meta: { title }, ...(exists ? { overwrite: true } : {}) });
  }
  return { success: errors.length === 0, successCount: successResults.length, successResults, ...(errors.length > 0 ? { errors } : {}) };
}
