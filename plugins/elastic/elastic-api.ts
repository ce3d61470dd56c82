import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Client } from '@elastic/elasticsearch';
import { PlatformApiError } from '../../core/spec/errors.js';
import { ElasticHitSchema, isRecord, type ElasticHit } from './elastic-alert.js';
import { elasticSecrets, type ElasticConfig } from './elastic-config.js';
import { toPlatformApiError, withRetry, type RetryPolicy } from './elastic-retry.js';

/**
 * The only file of the Elastic plugin that does I/O and the only one importing the SDK.
 * Elasticsearch goes through `@elastic/elasticsearch` (its own retries off: retries live in
 * elastic-retry.ts); Kibana's REST API goes through node:http(s), which takes the CA file.
 */

export interface ElasticApiOptions {
  sleep?: (milliseconds: number) => Promise<void>;
  onRetry?: RetryPolicy['onRetry'];
}

export interface KibanaCase {
  id: string;
  version: string;
  status: string;
  tags: string[];
  /** Alerts attached so far (`totalAlerts`); Kibana takes at most 1000 per case. */
  totalAlerts: number;
  comments: Array<Record<string, unknown>>;
  updated_at?: string | null;
  closed_at?: string | null;
  closed_by?: { username?: string | null } | null;
}

export interface ElasticApi {
  /** `major.minor.patch` of Kibana (`GET /api/status`), cached. */
  kibanaVersion(): Promise<string>;
  /** The user the credentials act as (`GET /_security/_authenticate`), cached. */
  ownUsername(): Promise<string>;
  /** Every hit of a query on an index, in sort order, through a point in time and search_after. */
  searchWithPit(index: string, query: Record<string, unknown>, sort: unknown[], limit: number): Promise<ElasticHit[]>;
  search(index: string, query: Record<string, unknown>, size: number, sort?: unknown[]): Promise<ElasticHit[]>;
  /** A raw Elasticsearch REST call (install: templates, pipelines); undefined on 404. */
  esRequest(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<unknown>;
  /** Bulk `create` of one document; false when a document with that id already exists (409). */
  createDocument(index: string, id: string, document: Record<string, unknown>): Promise<boolean>;
  kibana(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, options?: { multipart?: { field: string; filename: string; content: string } }): Promise<unknown>;
  /** Cases matching a `_find` query, page after page; stops after the page where `until` holds for a case. */
  findCases(query: Record<string, string>, until?: (found: KibanaCase) => boolean): Promise<KibanaCase[]>;
  getCase(caseId: string): Promise<KibanaCase>;
  /** Ids of the alerts attached to a case (`GET /api/cases/{caseId}/alerts`). */
  alertsOfCase(caseId: string): Promise<string[]>;
  /** Ids of the cases an alert is attached to (`GET /api/cases/alerts/{alertId}`). */
  casesOfAlert(alertId: string, owner: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Hits fetched per search_after page. */
const PAGE = 200;
/** Cases per `_find` page (the API's maximum). */
const CASES_PAGE = 100;

type Sdk = typeof import('@elastic/elasticsearch');
let sdk: Promise<Sdk> | undefined;
/** The SDK is loaded on first use: every other `verdict` command starts without it (it is large). */
const loadSdk = (): Promise<Sdk> => (sdk ??= import('@elastic/elasticsearch'));

export function createElasticApi(config: ElasticConfig, options: ElasticApiOptions = {}): ElasticApi {
  const secrets = elasticSecrets(config);
  const policy: RetryPolicy = {
    maxRetries: config.maxRetries,
    maxRetryDelayMs: config.maxRetryDelayMs,
    baseDelayMs: 250,
    sleep: options.sleep ?? ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds))),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const ca = config.caFile ? readFileSync(config.caFile) : undefined;
  const authorization = 'apiKey' in config.auth ? `ApiKey ${config.auth.apiKey}` : `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')}`;
  let client: Client | undefined;
  const es = async (): Promise<Client> => {
    const { Client: SdkClient } = await loadSdk();
    client ??= new SdkClient({
      node: config.elasticsearchUrl,
      auth: 'apiKey' in config.auth ? { apiKey: config.auth.apiKey } : { username: config.auth.username, password: config.auth.password },
      maxRetries: 0,
      requestTimeout: config.requestTimeoutMs,
      ...(ca ? { tls: { ca } } : {}),
    });
    return client;
  };

  /** One Elasticsearch call, retried per policy; rejects with PlatformApiError. */
  const call = <T>(operation: string, run: (client: Client) => Promise<T>): Promise<T> =>
    withRetry(`Elasticsearch ${operation}`, policy, async () => {
      const { errors } = await loadSdk();
      try {
        return await run(await es());
      } catch (failure) {
        throw esFailure(`Elasticsearch ${operation}`, failure, secrets, errors);
      }
    });

  const kibanaBase = config.space === 'default' ? config.kibanaUrl.replace(/\/$/, '') : `${config.kibanaUrl.replace(/\/$/, '')}/s/${config.space}`;
  const kibana: ElasticApi['kibana'] = (method, path, body, requestOptions = {}) => {
    const operation = `Kibana ${method} ${path.split('?')[0]}`;
    return withRetry(operation, policy, async () => {
      const { status, headers, text } = await sendKibana(method, `${kibanaBase}${path}`, body, requestOptions.multipart).catch((cause: unknown) => {
        throw toPlatformApiError({ operation, statusCode: undefined, cause }, secrets);
      });
      const parsed = parseJson(text);
      if (status >= 400) {
        const message = isRecord(parsed) && typeof parsed.message === 'string' ? parsed.message : undefined;
        throw toPlatformApiError({ operation, statusCode: status, retryAfter: headers['retry-after'], ...(message ? { platformMessage: message } : {}) }, secrets);
      }
      return parsed;
    });
  };

  const sendKibana = (
    method: string,
    url: string,
    body: unknown,
    multipart?: { field: string; filename: string; content: string },
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const headers: Record<string, string> = { Authorization: authorization, 'kbn-xsrf': 'true', Accept: 'application/json' };
      let payload: Buffer | undefined;
      if (multipart) {
        const boundary = `----verdict${Date.now().toString(16)}`;
        headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
        payload = Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${multipart.field}"; filename="${multipart.filename}"\r\nContent-Type: application/ndjson\r\n\r\n${multipart.content}\r\n--${boundary}--\r\n`,
        );
      } else if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        payload = Buffer.from(JSON.stringify(body));
      }
      if (payload) headers['Content-Length'] = String(payload.length);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(target, { method, headers, timeout: config.requestTimeoutMs, ...(ca && target.protocol === 'https:' ? { ca } : {}) }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${config.requestTimeoutMs} ms`)));
      request.on('error', reject);
      request.end(payload);
    });

  let version: Promise<string> | undefined;
  let username: Promise<string> | undefined;

  return {
    // Kibana REST: GET /api/status → { version: { number } }.
    kibanaVersion() {
      if (config.kibanaVersion) return Promise.resolve(config.kibanaVersion);
      version ??= kibana('GET', '/api/status')
        .then((status) => {
          const number = isRecord(status) && isRecord(status.version) ? status.version.number : undefined;
          if (typeof number !== 'string') throw new PlatformApiError('Kibana GET /api/status: no version.number in the answer; set elastic.kibanaVersion', { statusCode: 502 });
          return number;
        })
        .catch((error: unknown) => {
          version = undefined; // A failed read is retried on the next call, not cached.
          throw error;
        });
      return version;
    },
    // Elasticsearch security API: GET /_security/_authenticate.
    ownUsername() {
      username ??= call('GET /_security/_authenticate', (client) => client.security.authenticate())
        .then((answer) => answer.username)
        .catch((error: unknown) => {
          username = undefined;
          throw error;
        });
      return username;
    },
    // Elasticsearch: POST /<index>/_pit?keep_alive, POST /_search {pit, search_after}, DELETE /_pit.
    async searchWithPit(index, query, sort, limit) {
      const pit = await call(`POST /${index}/_pit`, (client) => client.openPointInTime({ index, keep_alive: '1m' }));
      const hits: ElasticHit[] = [];
      try {
        let after: unknown[] | undefined;
        while (hits.length < limit) {
          const size = Math.min(PAGE, limit - hits.length);
          const answer = await call('POST /_search (point in time)', (client) =>
            client.search({
              pit: { id: pit.id, keep_alive: '1m' },
              query,
              sort: sort as never,
              size,
              track_total_hits: false,
              ...(after ? { search_after: after as never } : {}),
            }),
          );
          const page = parseHits(answer.hits.hits, secrets);
          hits.push(...page);
          if (page.length < size) break;
          after = page.at(-1)?.sort;
          if (!after) throw new PlatformApiError('Elasticsearch search: a sorted hit came back without `sort` values; search_after cannot go on', { statusCode: 502 });
        }
      } finally {
        await (await es()).closePointInTime({ id: pit.id }).catch(() => undefined); // It expires anyway after keep_alive.
      }
      return hits;
    },
    async search(index, query, size, sort) {
      const answer = await call(`POST /${index}/_search`, (client) => client.search({ index, query, size, ...(sort ? { sort: sort as never } : {}), ignore_unavailable: true }));
      return parseHits(answer.hits.hits, secrets);
    },
    // Elasticsearch REST API (index templates, component templates, ingest pipelines) through the SDK's transport.
    async esRequest(method, path, body) {
      const answer = await call(`${method} ${path}`, (client) =>
        client.transport.request({ method, path, ...(body === undefined ? {} : { body: body as Record<string, unknown> }) }, { ignore: [404], meta: true }),
      );
      return answer.statusCode === 404 ? undefined : answer.body;
    },
    // Elasticsearch bulk API: one `create` action; per-item errors come back with a 200. A rejected
    // item (429 es_rejected_execution_exception, a 5xx) is retried like a rejected request.
    createDocument(index, id, document) {
      const operation = `Elasticsearch bulk create into ${index}`;
      return withRetry(operation, policy, async () => {
        const { errors } = await loadSdk();
        let answer: Awaited<ReturnType<Client['bulk']>>;
        try {
          answer = await (await es()).bulk({ operations: [{ create: { _index: index, _id: id } }, document], refresh: 'wait_for' });
        } catch (failure) {
          throw esFailure(`Elasticsearch POST /_bulk (${index})`, failure, secrets, errors);
        }
        const item = answer.items[0]?.create;
        if (!answer.errors || !item?.error) return true;
        if (item.status === 409) return false;
        throw toPlatformApiError({ operation, statusCode: item.status, platformMessage: `${item.error.type}: ${item.error.reason ?? ''}` }, secrets);
      });
    },
    kibana,
    // Cases API: GET /api/cases/_find (owner, tags, status, sortField, page, perPage ≤ 100).
    async findCases(query, until) {
      const found: KibanaCase[] = [];
      for (let page = 1; ; page += 1) {
        const answer = await kibana('GET', `/api/cases/_find?${new URLSearchParams({ ...query, perPage: String(CASES_PAGE), page: String(page) }).toString()}`);
        const cases = (isRecord(answer) && Array.isArray(answer.cases) ? answer.cases : []).filter(isRecord).map(toCase);
        found.push(...cases);
        const total = isRecord(answer) && typeof answer.total === 'number' ? answer.total : 0;
        if (cases.length < CASES_PAGE || found.length >= total || (until && cases.some(until))) return found;
      }
    },
    // Cases API: GET /api/cases/{caseId}/alerts → [{ id, index, attached_at }].
    async alertsOfCase(caseId) {
      const answer = await kibana('GET', `/api/cases/${encodeURIComponent(caseId)}/alerts`);
      return (Array.isArray(answer) ? answer : []).filter(isRecord).flatMap((item) => (typeof item.id === 'string' ? [item.id] : []));
    },
    // Cases API: GET /api/cases/alerts/{alertId}?owner → [{ id, title }].
    async casesOfAlert(alertId, owner) {
      const answer = await kibana('GET', `/api/cases/alerts/${encodeURIComponent(alertId)}?${new URLSearchParams({ owner }).toString()}`);
      return (Array.isArray(answer) ? answer : []).filter(isRecord).map((item) => String(item.id ?? ''));
    },
    // Cases API: GET /api/cases/{caseId} (comments included).
    async getCase(caseId) {
      const answer = await kibana('GET', `/api/cases/${encodeURIComponent(caseId)}`);
      if (!isRecord(answer)) throw new PlatformApiError(`Kibana GET /api/cases/${caseId}: the answer is not a case`, { statusCode: 502 });
      return toCase(answer);
    },
    async close() {
      await client?.close();
    },
  };
}

function toCase(value: Record<string, unknown>): KibanaCase {
  return {
    id: String(value.id ?? ''),
    version: String(value.version ?? ''),
    status: String(value.status ?? ''),
    tags: Array.isArray(value.tags) ? value.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    totalAlerts: typeof value.totalAlerts === 'number' ? value.totalAlerts : 0,
    comments: Array.isArray(value.comments) ? value.comments.filter(isRecord) : [],
    ...(typeof value.updated_at === 'string' || value.updated_at === null ? { updated_at: value.updated_at } : {}),
    ...(typeof value.closed_at === 'string' || value.closed_at === null ? { closed_at: value.closed_at } : {}),
    ...(isRecord(value.closed_by) ? { closed_by: { username: typeof value.closed_by.username === 'string' ? value.closed_by.username : null } } : {}),
  };
}

function parseHits(hits: unknown[], secrets: readonly string[]): ElasticHit[] {
  return hits.map((hit, index) => {
    const parsed = ElasticHitSchema.safeParse(hit);
    if (!parsed.success) throw toPlatformApiError({ operation: 'Elasticsearch search', statusCode: 502, platformMessage: `hit ${index} has no _id or _source` }, secrets);
    return parsed.data;
  });
}

function esFailure(operation: string, failure: unknown, secrets: readonly string[], errors: Sdk['errors']): PlatformApiError {
  if (failure instanceof errors.ResponseError) {
    const body: unknown = failure.meta.body;
    const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    const platformMessage = error ? `${String(error.type ?? 'error')}: ${String(error.reason ?? '')}` : typeof body === 'string' ? body : undefined;
    return toPlatformApiError(
      { operation, statusCode: failure.meta.statusCode ?? undefined, retryAfter: failure.meta.headers?.['retry-after'], ...(platformMessage ? { platformMessage } : {}) },
      secrets,
    );
  }
  if (failure instanceof errors.ProductNotSupportedError) {
    return toPlatformApiError({ operation, statusCode: 400, platformMessage: 'the server at elastic.elasticsearchUrl is not Elasticsearch' }, secrets);
  }
  // Connection errors, timeouts, a lost socket: statusCode undefined, so retryable.
  const message = failure instanceof Error ? failure.message : String(failure);
  return toPlatformApiError({ operation, statusCode: undefined, cause: new Error(message) }, secrets);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // Not JSON (an HTML error page from a proxy): kept as text for the message.
  }
}
