import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readPath } from '../../../core/normalize/finalize.js';
import { EsError, ElasticsearchState } from './elastic-state.js';
import { handleEs } from './es-routes.js';
import { handleKibana } from './kibana-routes.js';
import { KibanaError, KibanaState } from './kibana-state.js';
import { createPrincipal, type Principal, type RoleName, type UserSpec } from './principals.js';
import { casesSpec, detectionsSpec, type OpenApiSpec } from './spec-validator.js';

/**
 * A stateful Elasticsearch + Kibana emulator: two HTTP servers on 127.0.0.1 (random ports) sharing
 * one state. Elasticsearch answers the real `@elastic/elasticsearch` client (product header,
 * compatible-with media types); Kibana requires `kbn-xsrf` on writes, takes Basic and ApiKey
 * auth, spaces (`/s/<space>/api/…`), and checks request and response bodies of every operation in
 * the detections and cases OpenAPI documents (shared/specs/elastic). Faults (429 with
 * Retry-After, 5xx) are injected on demand.
 */

export interface ElasticEmulatorOptions {
  users?: Record<string, UserSpec>;
  /** Encoded API keys (`base64(id:key)`) → the user they act as. */
  apiKeys?: Record<string, string>;
  kibanaVersion?: string;
  elasticsearchVersion?: string;
  spaces?: string[];
  /** Serve HTTPS with this certificate (PEM) instead of HTTP. */
  tls?: { key: string; cert: string };
  now?: () => number;
}

export interface FaultPlan {
  status: number;
  count: number;
  retryAfterSeconds?: number;
  server?: 'elasticsearch' | 'kibana';
  match?: RegExp;
  method?: string;
  /** Matching requests let through before the faults start (a storm in the middle of a run). */
  after?: number;
  /**
   * Bulk only: answer 200 with every item failed with this status (how Elasticsearch rejects bulk
   * items under indexing pressure: per item 429 `es_rejected_execution_exception`), not the request.
   */
  perItem?: boolean;
}

export interface RequestRecord {
  server: 'elasticsearch' | 'kibana';
  method: string;
  path: string;
  status: number;
  user?: string;
  body?: unknown;
}

export interface ElasticEmulator {
  elasticsearchUrl: string;
  kibanaUrl: string;
  elasticsearch: ElasticsearchState;
  kibana: KibanaState;
  requests: RequestRecord[];
  /** Responses of spec'd Kibana operations that did not match the spec (must stay empty). */
  specViolations: string[];
  injectFaults(plan: FaultPlan): void;
  clearFaults(): void;
  /** Called after a request is handled, before its answer is sent (e.g. to kill a client mid-batch). */
  onHandled?: (record: RequestRecord) => void;
  addAlerts(documents: Array<Record<string, unknown>>, space?: string): void;
  close(): Promise<void>;
}

const ES_JSON = 'application/vnd.elasticsearch+json;compatible-with=9';

export async function startElasticEmulator(options: ElasticEmulatorOptions = {}): Promise<ElasticEmulator> {
  const now = options.now ?? Date.now;
  const users = new Map(Object.entries(options.users ?? { elastic: { password: 'changeme', roles: ['superuser'] as RoleName[] } }));
  const apiKeys = new Map(Object.entries(options.apiKeys ?? {}));
  const elasticsearch = new ElasticsearchState(now);
  const kibana = new KibanaState(elasticsearch, now, options.kibanaVersion ?? '9.2.0');
  for (const space of options.spaces ?? ['default']) elasticsearch.createAliasedIndex(`.alerts-security.alerts-${space}`, `.internal.alerts-security.alerts-${space}-000001`);
  const faults: FaultPlan[] = [];
  const requests: RequestRecord[] = [];
  const specViolations: string[] = [];
  const specs = { detections: detectionsSpec(), cases: casesSpec() };

  const authenticate = (header: string | undefined): Principal | undefined => {
    const [scheme = '', credential = ''] = (header ?? '').split(/\s+/, 2);
    if (scheme === 'ApiKey') {
      const username = apiKeys.get(credential);
      const user = username === undefined ? undefined : users.get(username);
      const id = Buffer.from(credential, 'base64').toString('utf8').split(':')[0];
      return user && username ? createPrincipal(username, user.roles, id) : undefined;
    }
    if (scheme === 'Basic') {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const username = decoded.slice(0, colon);
      const user = users.get(username);
      return colon > 0 && user && user.password === decoded.slice(colon + 1) ? createPrincipal(username, user.roles, undefined, user.profileUid) : undefined;
    }
    return undefined;
  };

  const emulator: ElasticEmulator = {
    elasticsearchUrl: '',
    kibanaUrl: '',
    elasticsearch,
    kibana,
    requests,
    specViolations,
    injectFaults: (plan) => void faults.push({ ...plan }),
    clearFaults: () => void faults.splice(0),
    addAlerts(documents, space = 'default') {
      for (const document of documents) {
        const id = readPath(document, 'kibana.alert.uuid');
        if (typeof id !== 'string') throw new Error('a seeded alert needs kibana.alert.uuid');
        elasticsearch.writeDocument(`.alerts-security.alerts-${space}`, 'create', id, structuredClone(document));
      }
    },
    close: async () => {
      await Promise.all(
        [esServer, kibanaServer].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };

  const takeFault = (server: 'elasticsearch' | 'kibana', method: string, path: string): FaultPlan | undefined => {
    const fault = faults.find((plan) => plan.count > 0 && (!plan.server || plan.server === server) && (!plan.match || plan.match.test(path)) && (!plan.method || plan.method === method));
    if (!fault) return undefined;
    if ((fault.after ?? 0) > 0) {
      fault.after = (fault.after ?? 0) - 1;
      return undefined;
    }
    fault.count -= 1;
    return fault;
  };

  const listen = (listener: RequestListener): Server => (options.tls ? createTlsServer(options.tls, listener) : createServer(listener));
  type Answer = { status: number; body: unknown; headers?: Record<string, string> };
  const serve = (server: 'elasticsearch' | 'kibana', handle: (request: IncomingMessage, body: Buffer, url: URL, record: RequestRecord) => Answer | Promise<Answer>) =>
    listen((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const url = new URL(request.url ?? '/', 'http://emulator');
        const record: RequestRecord = { server, method: request.method ?? 'GET', path: url.pathname, status: 0 };
        requests.push(record);
        const body = Buffer.concat(chunks);
        const fault = takeFault(server, record.method, url.pathname);
        const answer = fault?.perItem ? bulkItemFaults(body, fault) : fault ? faultAnswer(server, fault) : await handle(request, body, url, record);
        record.status = answer.status;
        emulator.onHandled?.(record);
        send(response, server, answer);
      });
    });

  const esServer: Server = serve('elasticsearch', (request, body, url, record) => {
    const principal = authenticate(request.headers.authorization);
    if (!principal) {
      const error = new EsError(401, 'security_exception', `missing authentication credentials for REST request [${url.pathname}]`, {
        header: { 'WWW-Authenticate': ['Basic realm="security", charset="UTF-8"', 'ApiKey'] },
      });
      return { status: 401, body: error.body(), headers: { 'WWW-Authenticate': 'Basic realm="security", charset="UTF-8"' } };
    }
    record.user = principal.username;
    try {
      return handleEs(elasticsearch, { method: record.method, path: url.pathname, query: url.searchParams, body, principal }, options.elasticsearchVersion ?? '9.2.0');
    } catch (error) {
      if (error instanceof EsError) return { status: error.status, body: error.body() };
      throw error;
    }
  });

  const kibanaServer: Server = serve('kibana', (request, body, url, record) => {
    const principal = authenticate(request.headers.authorization);
    if (!principal) return { status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' } };
    record.user = principal.username;
    // Non-GET requests need kbn-xsrf (Kibana's CSRF protection); the message is Kibana's own.
    if (record.method !== 'GET' && record.method !== 'HEAD' && request.headers['kbn-xsrf'] === undefined) {
      return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'Request must contain a kbn-xsrf header.' } };
    }
    const spaced = url.pathname.match(/^\/s\/([a-z0-9_-]+)(\/.*)$/);
    const space = spaced?.[1] ?? 'default';
    const path = spaced?.[2] ?? url.pathname;
    if (!(options.spaces ?? ['default']).includes(space)) return { status: 404, body: { statusCode: 404, error: 'Not Found', message: `Saved object [space/${space}] not found` } };
    const spec = [specs.detections, specs.cases].find((candidate) => candidate.hasOperation(record.method, path));
    try {
      if (spec && body.length > 0 && (request.headers['content-type'] ?? '').includes('json')) {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        record.body = parsed;
        const check = spec.checkRequest(record.method, path, parsed);
        if (!check.ok) return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: `[request body]: ${check.errors.join('; ')}` } };
      }
      const execute = path.match(/^\/api\/actions\/connector\/([^/]+)\/_execute$/);
      if (execute && record.method === 'POST') return executeConnector(decodeURIComponent(execute[1]!), body, principal);
      const answer = handleKibana(kibana, elasticsearch, { method: record.method, path, space, query: url.searchParams, body, contentType: request.headers['content-type'] ?? '', principal });
      checkResponse(spec, record.method, path, answer);
      return answer;
    } catch (error) {
      if (error instanceof SyntaxError) return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: `Unexpected token in JSON: ${error.message}` } };
      if (error instanceof KibanaError || error instanceof EsError) {
        const answer =
          error instanceof KibanaError ? { status: error.statusCode, body: error.body() } : { status: error.status, body: { statusCode: error.status, error: error.type, message: error.message } };
        checkResponse(spec, record.method, path, answer);
        return answer;
      }
      throw error;
    }
  });

  /**
   * `POST /api/actions/connector/{id}/_execute` of a `.webhook` connector: Kibana sends
   * `params.body` to the connector's URL with its method and headers, and reports the outcome.
   * Only loopback URLs are allowed here (Kibana's xpack.actions.allowedHosts, as the tests set it).
   */
  const executeConnector = async (id: string, raw: Buffer, principal: Principal): Promise<Answer> => {
    principal.requireKibana('actions', 'execute a connector');
    const connector = kibana.connectors.get(id);
    if (!connector) return { status: 404, body: { statusCode: 404, error: 'Not Found', message: `Saved object [action/${id}] not found` } };
    const params = (JSON.parse(raw.toString('utf8') || '{}') as { params?: { body?: unknown } }).params;
    if (typeof params?.body !== 'string') return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'error validating action params: [body]: expected value of type [string]' } };
    const target = new URL(String(connector.config.url));
    if (target.hostname !== '127.0.0.1')
      return { status: 200, body: { connector_id: id, status: 'error', message: `error calling webhook: target url "${target.href}" is not added to the Kibana config xpack.actions.allowedHosts` } };
    const response = await fetch(target, { method: String(connector.config.method ?? 'post').toUpperCase(), headers: connector.config.headers as Record<string, string>, body: params.body });
    const text = await response.text();
    if (!response.ok)
      return {
        status: 200,
        body: {
          connector_id: id,
          status: 'error',
          message: 'an error occurred while running the action',
          service_message: `[${response.status}] ${text.slice(0, 300)}`,
          retry: response.status >= 500 || response.status === 429,
        },
      };
    return { status: 200, body: { connector_id: id, status: 'ok', data: text === '' ? undefined : (JSON.parse(text) as unknown) } };
  };

  const checkResponse = (spec: OpenApiSpec | undefined, method: string, path: string, answer: { status: number; body: unknown }): void => {
    if (!spec) return;
    const check = spec.checkResponse(method, path, answer.status, answer.body);
    if (!check.ok) specViolations.push(`${method} ${path} ${answer.status}: ${check.errors.join('; ')}`);
  };

  await Promise.all([esServer, kibanaServer].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const scheme = options.tls ? 'https' : 'http';
  emulator.elasticsearchUrl = `${scheme}://127.0.0.1:${(esServer.address() as AddressInfo).port}`;
  emulator.kibanaUrl = `${scheme}://127.0.0.1:${(kibanaServer.address() as AddressInfo).port}`;
  return emulator;
}

function faultAnswer(server: 'elasticsearch' | 'kibana', fault: FaultPlan): { status: number; body: unknown; headers: Record<string, string> } {
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
  if (server === 'kibana') {
    const error = fault.status === 429 ? 'Too Many Requests' : fault.status === 503 ? 'Service Unavailable' : fault.status >= 500 ? 'Internal Server Error' : 'Bad Request';
    const message = fault.status === 503 ? 'Kibana server is not ready yet' : fault.status === 429 ? 'Too Many Requests' : 'An internal server error occurred.';
    return { status: fault.status, body: { statusCode: fault.status, error, message }, headers };
  }
  const type = fault.status === 429 ? 'es_rejected_execution_exception' : fault.status === 503 ? 'cluster_block_exception' : fault.status >= 500 ? 'exception' : 'illegal_argument_exception';
  const reason =
    fault.status === 429
      ? 'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, max_coordinating_and_primary_bytes=0]'
      : fault.status === 503
        ? 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];'
        : 'injected fault';
  return { status: fault.status, body: new EsError(fault.status, type, reason).body(), headers };
}

/** A bulk answer whose every item failed with the fault's status (the request itself succeeded). */
function bulkItemFaults(body: Buffer, fault: FaultPlan): { status: number; body: unknown } {
  const lines = body
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const items = lines
    .filter((_, index) => index % 2 === 0)
    .map((line) => {
      const [opType = 'index', meta = {}] = Object.entries(JSON.parse(line) as Record<string, { _index?: string; _id?: string }>)[0] ?? [];
      const reason =
        fault.status === 429
          ? 'rejected execution of primary operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, primary_operation_bytes=0, max_coordinating_and_primary_bytes=0]'
          : 'injected item fault';
      return {
        [opType]: { _index: meta._index ?? null, _id: meta._id ?? null, status: fault.status, error: { type: fault.status === 429 ? 'es_rejected_execution_exception' : 'exception', reason } },
      };
    });
  return { status: 200, body: { took: 1, errors: true, items } };
}

function send(response: ServerResponse, server: 'elasticsearch' | 'kibana', answer: { status: number; body: unknown; headers?: Record<string, string> }): void {
  const headers: Record<string, string> = { ...(answer.headers ?? {}) };
  if (server === 'elasticsearch') {
    headers['X-Elastic-Product'] = 'Elasticsearch';
    headers['Content-Type'] = ES_JSON;
  } else {
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  response.writeHead(answer.status, headers);
  response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
}
