import { EsError, type ElasticsearchState } from './elastic-state.js';
import type { Principal } from './principals.js';

/**
 * Elasticsearch REST routes the add-on and `verdict install elastic` use (Elasticsearch REST API
 * reference: search with point in time and search_after, bulk, index templates, ingest pipelines,
 * security authenticate). Answers carry Elasticsearch's own error bodies.
 */

export interface EsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
  principal: Principal;
}

export interface EsAnswer {
  status: number;
  body: unknown;
}

const ok = (body: unknown, status = 200): EsAnswer => ({ status, body });

export function handleEs(state: ElasticsearchState, request: EsRequest, version: string): EsAnswer {
  const { method, path, query, principal } = request;
  const json = (): Record<string, unknown> => parseJsonBody(request.body);
  if (path === '/' && (method === 'GET' || method === 'HEAD')) {
    return ok({
      name: 'emulator',
      cluster_name: 'verdict-emulator',
      version: { number: version, build_flavor: 'default', lucene_version: '10.2.2', minimum_wire_compatibility_version: '8.19.0' },
      tagline: 'You Know, for Search',
    });
  }
  if (method === 'GET' && path === '/_security/_authenticate') {
    return ok({
      username: principal.username,
      roles: principal.roles,
      full_name: null,
      email: null,
      metadata: {},
      enabled: true,
      authentication_realm: principal.apiKey ? { name: '_es_api_key', type: '_es_api_key' } : { name: 'native1', type: 'native' },
      lookup_realm: { name: 'native1', type: 'native' },
      authentication_type: principal.apiKey ? 'api_key' : 'realm',
      ...(principal.apiKey ? { api_key: { id: principal.apiKey, name: 'verdict' } } : {}),
    });
  }
  const pit = path.match(/^\/([^/_][^/]*)\/_pit$/);
  if (pit && method === 'POST') {
    const target = decodeURIComponent(pit[1]!);
    principal.require('read', state.resolve(target));
    const keepAlive = query.get('keep_alive');
    if (!keepAlive) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [keep_alive] is not specified;');
    return ok({ id: state.openPit(target, keepAlive), _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } });
  }
  if (path === '/_pit' && method === 'DELETE') {
    const id = json().id;
    if (typeof id !== 'string') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: no pit ids specified;');
    const freed = state.closePit(id);
    return ok({ succeeded: true, num_freed: freed ? 1 : 0 }, freed ? 200 : 404);
  }
  const search = path.match(/^(?:\/([^/_][^/]*))?\/_search$/);
  if (search && (method === 'GET' || method === 'POST')) {
    const body = json();
    const target = search[1] === undefined ? undefined : decodeURIComponent(search[1]);
    const pitSpec = body.pit as { id?: string; keep_alive?: string } | undefined;
    let documents;
    if (pitSpec) {
      if (target !== undefined)
        throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;');
      documents = state.pitDocuments(String(pitSpec.id), pitSpec.keep_alive);
    } else {
      const ignoreUnavailable = query.get('ignore_unavailable') === 'true';
      const indices = state.resolve(target ?? '*', { ignoreUnavailable });
      principal.require('read', indices);
      documents = state.documentsOf(target ?? '*', { ignoreUnavailable });
    }
    const { pit: _pit, ...searchBody } = body;
    const result = state.search(documents, searchBody);
    return ok({
      ...(pitSpec ? { pit_id: pitSpec.id } : {}),
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: { ...(body.track_total_hits === false ? {} : { total: { value: result.total, relation: 'eq' } }), max_score: null, hits: result.hits },
    });
  }
  const bulk = path.match(/^(?:\/([^/_][^/]*))?\/_bulk$/);
  if (bulk && (method === 'POST' || method === 'PUT')) return ok(runBulk(state, request.body, bulk[1] === undefined ? undefined : decodeURIComponent(bulk[1]), principal));
  const template = path.match(/^\/_index_template\/([^/]+)$/);
  if (template) {
    const name = decodeURIComponent(template[1]!);
    if (method === 'PUT' || method === 'POST') {
      principal.requireCluster('manage_index_templates');
      state.putIndexTemplate(name, json());
      return ok({ acknowledged: true });
    }
    if (method === 'GET') {
      const found = state.indexTemplates.get(name);
      if (!found) throw new EsError(404, 'resource_not_found_exception', `index template matching [${name}] not found`);
      // Elasticsearch answers with its defaults filled in (data stream options), not the body as PUT.
      const answer = found.data_stream ? { ...found, data_stream: { hidden: false, allow_custom_routing: false, ...found.data_stream } } : found;
      return ok({ index_templates: [{ name, index_template: answer }] });
    }
  }
  const component = path.match(/^\/_component_template\/([^/]+)$/);
  if (component && (method === 'PUT' || method === 'POST')) {
    principal.requireCluster('manage_index_templates');
    const body = json();
    if (typeof body.template !== 'object' || body.template === null)
      throw new EsError(400, 'x_content_parse_exception', '[1:2] [component_template] failed to parse field [template]; Required [template]');
    state.componentTemplates.set(decodeURIComponent(component[1]!), body as { template: never });
    return ok({ acknowledged: true });
  }
  if (component && method === 'GET') {
    const name = decodeURIComponent(component[1]!);
    const found = state.componentTemplates.get(name);
    if (!found) throw new EsError(404, 'resource_not_found_exception', `component template matching [${name}] not found`);
    return ok({ component_templates: [{ name, component_template: found }] });
  }
  const pipeline = path.match(/^\/_ingest\/pipeline\/([^/]+)$/);
  if (pipeline) {
    const id = decodeURIComponent(pipeline[1]!);
    if (method === 'PUT') {
      principal.requireCluster('manage_pipeline');
      state.putPipeline(id, json());
      return ok({ acknowledged: true });
    }
    if (method === 'GET') {
      const found = state.pipelines.get(id);
      return found ? ok({ [id]: found }) : ok({}, 404); // Elasticsearch answers a missing pipeline with `{}` and 404.
    }
  }
  const dataStream = path.match(/^\/_data_stream\/([^/]+)$/);
  if (dataStream && method === 'GET') {
    const name = decodeURIComponent(dataStream[1]!);
    const backing = state.aliases.get(name);
    const index = backing ? state.indices.get(backing[0]!) : undefined;
    if (!index?.dataStream) throw new EsError(404, 'index_not_found_exception', `no such index [${name}]`);
    return ok({
      data_streams: [{ name, timestamp_field: { name: '@timestamp' }, indices: backing!.map((index_name) => ({ index_name })), generation: 1, status: 'GREEN', template: 'matching', hidden: false }],
    });
  }
  throw new EsError(405, 'method_not_allowed', `Incorrect HTTP method for uri [${path}] and method [${method}]`);
}

/** Bulk: NDJSON action/source pairs; per-item errors with the top-level `errors: true`. */
function runBulk(state: ElasticsearchState, raw: Buffer, defaultIndex: string | undefined, principal: Principal): Record<string, unknown> {
  const lines = raw
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
  const items: Array<Record<string, unknown>> = [];
  for (let index = 0; index < lines.length; index += 2) {
    const action = parseLine(lines[index]!, index);
    const [opType, meta] = Object.entries(action)[0] ?? [];
    if (opType !== 'create' && opType !== 'index')
      throw new EsError(400, 'illegal_argument_exception', `Malformed action/metadata line [${index + 1}], expected one of [create, delete, index, update] but found [${String(opType)}]`);
    const target = String((meta as Record<string, unknown>)?._index ?? defaultIndex ?? '');
    const id = (meta as Record<string, unknown>)?._id;
    const sourceLine = lines[index + 1];
    if (sourceLine === undefined) throw new EsError(400, 'illegal_argument_exception', `The bulk request must be terminated by a newline [\\n]`);
    try {
      if (target === '') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      principal.require('create_doc', [target]);
      const { document } = state.writeDocument(target, opType, typeof id === 'string' ? id : undefined, parseLine(sourceLine, index + 1));
      items.push({
        [opType]: {
          _index: document._index,
          _id: document._id,
          _version: 1,
          result: 'created',
          _shards: { total: 1, successful: 1, failed: 0 },
          _seq_no: document.seqNo,
          _primary_term: 1,
          status: 201,
        },
      });
    } catch (error) {
      if (!(error instanceof EsError)) throw error;
      items.push({ [opType]: { _index: target, _id: typeof id === 'string' ? id : null, status: error.status, error: { type: error.type, reason: error.message, ...error.extra } } });
    }
  }
  return { took: 2, errors: items.some((item) => 'error' in (Object.values(item)[0] as Record<string, unknown>)), items };
}

function parseLine(line: string, index: number): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below with Elasticsearch's message.
  }
  throw new EsError(400, 'x_content_parse_exception', `[${index + 1}:1] Malformed content, must start with an object`);
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Fall through.
  }
  throw new EsError(400, 'x_content_parse_exception', '[1:1] Unexpected character: request body is not a JSON object');
}
