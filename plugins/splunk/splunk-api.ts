import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { PlatformApiError } from '../../core/spec/errors.js';
import { SplunkExportLineSchema, SplunkFindingListSchema, type SplunkResultRow } from './splunk-alert.js';
import { splunkSecrets, type SplunkConfig } from './splunk-config.js';
import type { HecEvent, NotableUpdateForm, VerdictKvRow } from './splunk-render.js';
import { toPlatformApiError, withRetry, type RetryPolicy } from './splunk-retry.js';
import type { SplunkSdkResponse, SplunkSdkService, SplunkSdkServiceConstructor } from './splunk-sdk-types.js';

/**
 * The only file of the Splunk plugin that does I/O. splunkd REST (port 8089) goes through the
 * `splunk-sdk` client (login, session keys, auto re-login on 401); HTTP Event Collector (port 8088,
 * its own token) goes through fetch, which the SDK does not cover.
 */

export interface SplunkApiOptions {
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
  onRetry?: RetryPolicy['onRetry'];
  /** Replaces the SDK's Service class (tests of the wiring only). */
  serviceClass?: SplunkSdkServiceConstructor;
}

export interface SplunkNote {
  id: string;
  content: string;
}

export interface SplunkApi {
  exportSearch(search: string, range?: { earliestTime?: string; latestTime?: string }): Promise<SplunkResultRow[]>;
  updateNotables(form: NotableUpdateForm): Promise<{ success: boolean; message: string }>;
  listFindings(range: { earliest: string; latest?: string }): Promise<unknown[]>;
  updateInvestigation(refId: string, notableTime: string | undefined, body: Record<string, string>): Promise<void>;
  listNotes(refId: string): Promise<SplunkNote[]>;
  addNote(refId: string, content: string): Promise<void>;
  getKvRow(key: string): Promise<Record<string, unknown> | undefined>;
  saveKvRow(row: VerdictKvRow): Promise<void>;
  sendHecEvent(event: HecEvent): Promise<void>;
  /** True when the event with this idempotency_key is in its index already (a search, not HEC). */
  findHecEvent(event: HecEvent, idempotencyKey: string): Promise<boolean>;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads the SDK's Service class. `lib/service` is required directly, not the package index: the
 * index calls dotenv (reading any `.env` in the working directory into process.env). The SDK's
 * logger also rewrites `process.env.LOG_LEVEL` on load; the caller's value is restored.
 */
function loadSdkService(): SplunkSdkServiceConstructor {
  const logLevel = process.env.LOG_LEVEL;
  try {
    return requireFromHere('splunk-sdk/lib/service') as SplunkSdkServiceConstructor;
  } finally {
    if (logLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = logLevel;
  }
}

/** What to do about the HEC error codes a configuration causes (Splunk docs, "Troubleshoot HTTP Event Collector"). */
const HEC_CODE_HINTS: Record<string, string> = {
  '4': ' — the HEC token is unknown: check splunk.hecToken',
  '7': " — the HEC token may not write to that index: add it to the token's allowed indexes, or set splunk.hecIndex to one it may write",
  '14': ' — indexer acknowledgement is off for this token: set splunk.hecUseAck to false, or enable it on the token',
};

/** ES 8 findings per request; pages are read until one comes back short. */
const FINDINGS_PAGE_SIZE = 500;

const ES_APP_PATH = '/servicesNS/nobody/SplunkEnterpriseSecuritySuite/public/v2/findings';
const MC_V1_PATH = '/servicesNS/nobody/missioncontrol/v1/investigations';
const MC_V2_PATH = '/servicesNS/nobody/missioncontrol/public/v2/investigations';

export function createSplunkApi(config: SplunkConfig, options: SplunkApiOptions = {}): SplunkApi {
  const secrets = splunkSecrets(config);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const policy: RetryPolicy = {
    maxRetries: config.maxRetries,
    maxRetryDelayMs: config.maxRetryDelayMs,
    baseDelayMs: 250,
    sleep: options.sleep ?? ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds))),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  let service: SplunkSdkService | undefined;
  const getService = (): SplunkSdkService => {
    if (service) return service;
    const Service = options.serviceClass ?? loadSdkService();
    const url = new URL(config.baseUrl);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const auth = 'token' in config.auth ? { sessionKey: config.auth.token, authorization: config.auth.scheme } : { username: config.auth.username, password: config.auth.password, autologin: true };
    service = new Service({ scheme: url.protocol.replace(':', ''), host: url.hostname, port, timeout: config.requestTimeoutMs, ...auth });
    return service;
  };

  /** One splunkd call through the SDK, retried per policy; rejects with PlatformApiError. */
  const rest = (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    request: { query?: Record<string, string>; form?: Record<string, string | string[]>; json?: unknown } = {},
  ): Promise<SplunkSdkResponse> => {
    const operation = `Splunk ${method} ${path.split('?')[0]}`;
    return withRetry(operation, policy, async () => {
      const headers: Record<string, string> = {};
      let body: string | undefined;
      if (request.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(request.json);
      } else if (request.form) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
      }
      try {
        // No response-timeout argument: Context.request passes it on as Http.request's `isAsync`
        // flag, which switches the SDK to raw needle responses (splunk-sdk 2.0.2).
        return await getService().request(path, method, request.query, request.form, body, headers);
      } catch (failure) {
        throw sdkFailure(operation, failure, secrets);
      }
    });
  };

  const hec = async (path: string, body: string, channel: string | undefined): Promise<Record<string, unknown>> => {
    if (config.hecUrl === undefined || config.hecToken === undefined) throw new PlatformApiError('HEC is not configured', { statusCode: 400 });
    const url = new URL(path, config.hecUrl);
    if (channel) url.searchParams.set('channel', channel);
    const operation = `Splunk HEC POST ${url.pathname}`;
    const hecToken = config.hecToken;
    return withRetry(operation, policy, async () => {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: 'POST',
          headers: { Authorization: `Splunk ${hecToken}`, 'Content-Type': 'application/json', ...(channel ? { 'X-Splunk-Request-Channel': channel } : {}) },
          body,
          signal: AbortSignal.timeout(config.requestTimeoutMs),
        });
      } catch (cause) {
        throw toPlatformApiError({ operation, statusCode: undefined, cause }, secrets);
      }
      const text = await response.text();
      const parsed = parseJsonObject(text);
      if (!response.ok) {
        throw toPlatformApiError(
          {
            operation,
            statusCode: response.status,
            retryAfter: response.headers.get('retry-after'),
            platformMessage: typeof parsed?.text === 'string' ? `HEC code ${String(parsed.code)}: ${parsed.text}${HEC_CODE_HINTS[String(parsed.code)] ?? ''}` : undefined,
          },
          secrets,
        );
      }
      return parsed ?? {};
    });
  };
  // One channel per plugin instance: HEC acks are tracked per channel.
  const hecChannel = config.hecUseAck ? randomUUID() : undefined;

  const kvPath = (key?: string): string =>
    `/servicesNS/nobody/${encodeURIComponent(config.app)}/storage/collections/data/${encodeURIComponent(config.kvCollection)}${key === undefined ? '' : `/${encodeURIComponent(key)}`}`;

  return {
    // Splunk REST API reference, Search endpoints: POST search/jobs/export (output_mode=json streams
    // one {"preview","offset","result"} object per line; preview lines are interim and skipped).
    async exportSearch(search, range = {}) {
      const form: Record<string, string> = { search: /^\s*(\||search\b)/.test(search) ? search : `search ${search}`, output_mode: 'json' };
      if (range.earliestTime !== undefined) form.earliest_time = range.earliestTime;
      if (range.latestTime !== undefined) form.latest_time = range.latestTime;
      const response = await rest('POST', '/services/search/jobs/export', { form });
      return parseExport(response.data, secrets);
    },
    // ES 7 REST: POST /services/notable_update (form; ruleUIDs repeatable).
    async updateNotables(form) {
      const response = await rest('POST', '/services/notable_update', { form: { ...form } });
      const data = asObject(response.data);
      const success = data?.success === true || data?.success === 'true';
      const message = typeof data?.message === 'string' ? data.message : '';
      if (!success)
        throw new PlatformApiError(`Splunk POST /services/notable_update: ES reported failure (${message || 'no message'}); check that the notable exists and the user has edit_notable_events`, {
          statusCode: 422,
        });
      return { success, message };
    },
    // ES 8: GET …/SplunkEnterpriseSecuritySuite/public/v2/findings?earliest=&latest=
    // ES 8 pages findings with `limit` / `offset`: read every page, or findings past the first are never pulled.
    async listFindings(range) {
      const found: unknown[] = [];
      for (let offset = 0; ; offset += FINDINGS_PAGE_SIZE) {
        const query: Record<string, string> = { earliest: range.earliest, ...(range.latest ? { latest: range.latest } : {}), limit: String(FINDINGS_PAGE_SIZE), offset: String(offset) };
        const response = await rest('GET', ES_APP_PATH, { query });
        const parsed = SplunkFindingListSchema.safeParse(response.data);
        if (!parsed.success) throw new PlatformApiError('Splunk GET findings: the answer is not a list of findings', { statusCode: 502 });
        const list = parsed.data;
        const page = Array.isArray(list) ? list : 'items' in list ? (list.items as unknown[]) : (list.findings as unknown[]);
        found.push(...page);
        if (page.length < FINDINGS_PAGE_SIZE) return found;
      }
    },
    // ES 8: POST …/missioncontrol/v1/investigations/{ref_id}?notable_time= with {status, disposition, …}
    async updateInvestigation(refId, notableTime, body) {
      await rest('POST', `${MC_V1_PATH}/${encodeURIComponent(refId)}`, { ...(notableTime ? { query: { notable_time: notableTime } } : {}), json: body });
    },
    // ES 8: GET/POST …/missioncontrol/public/v2/investigations/{finding ref_id}/notes
    async listNotes(refId) {
      const response = await rest('GET', `${MC_V2_PATH}/${encodeURIComponent(refId)}/notes`);
      const data = response.data;
      const items = Array.isArray(data) ? data : asObject(data)?.items;
      if (!Array.isArray(items)) return [];
      return items.flatMap((item) => {
        const note = asObject(item);
        return note && typeof note.content === 'string' ? [{ id: String(note.id ?? ''), content: note.content }] : [];
      });
    },
    async addNote(refId, content) {
      await rest('POST', `${MC_V2_PATH}/${encodeURIComponent(refId)}/notes`, { json: { content } });
    },
    // KV store REST: GET …/storage/collections/data/{collection}/{_key}; 404 = no such row.
    async getKvRow(key) {
      try {
        const response = await rest('GET', kvPath(key));
        return asObject(response.data);
      } catch (error) {
        if (error instanceof PlatformApiError && error.statusCode === 404) return undefined;
        throw error;
      }
    },
    // POST …/data/{collection}/{_key} replaces the row with that key (an upsert on retry).
    async saveKvRow(row) {
      try {
        await rest('POST', kvPath(row._key), { json: row });
      } catch (error) {
        if (!(error instanceof PlatformApiError && error.statusCode === 404)) throw error;
        await rest('POST', kvPath(), { json: row });
      }
    },
    // The HEC event carries idempotency_key as an indexed field (`fields`), so `key=value` finds it.
    async findHecEvent(event, idempotencyKey) {
      const scope = [`index="${searchValue(event.index ?? config.hecIndex ?? 'main')}"`, `sourcetype="${searchValue(event.sourcetype)}"`];
      const rows = await this.exportSearch(`search ${scope.join(' ')} idempotency_key="${searchValue(idempotencyKey)}" | head 1`, { earliestTime: '0' });
      return rows.length > 0;
    },
    // HEC: POST /services/collector/event; with ack, poll /services/collector/ack on the same channel.
    async sendHecEvent(event) {
      const answer = await hec('/services/collector/event', JSON.stringify(event), hecChannel);
      if (hecChannel === undefined || typeof answer.ackId !== 'number') return;
      const ackId = answer.ackId;
      for (let poll = 0; poll < 20; poll += 1) {
        const status = await hec('/services/collector/ack', JSON.stringify({ acks: [ackId] }), hecChannel);
        if (asObject(status.acks)?.[String(ackId)] === true) return;
        await policy.sleep(Math.min(2000, 100 * 2 ** poll));
      }
      throw new PlatformApiError(`Splunk HEC: event not acknowledged by the indexer (ackId ${ackId}); it will be sent again`, { statusCode: 503 });
    },
  };
}

function searchValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function sdkFailure(operation: string, failure: unknown, secrets: readonly string[]): PlatformApiError {
  if (typeof failure === 'string') {
    // The SDK rejects with a bare string when login yields no session key.
    return toPlatformApiError({ operation, statusCode: 401, platformMessage: failure }, secrets);
  }
  const response = asObject(failure) as Partial<SplunkSdkResponse> | undefined;
  const status = typeof response?.status === 'number' && response.status >= 100 && response.status < 600 ? response.status : undefined;
  const data = asObject(response?.data);
  const messages = Array.isArray(data?.messages) ? data.messages : [];
  // splunkd says what went wrong in messages[].text; ES endpoints (notable_update) in {"success": false, "message"}.
  const platformMessage =
    messages
      .map((message) => asObject(message)?.text)
      .filter((text) => typeof text === 'string')
      .join('; ') || (typeof data?.message === 'string' ? data.message : '');
  return toPlatformApiError(
    {
      operation,
      statusCode: status,
      retryAfter: response?.response?.headers?.['retry-after'],
      ...(platformMessage ? { platformMessage } : {}),
      cause: response?.error ?? failure,
    },
    secrets,
  );
}

function parseExport(data: unknown, secrets: readonly string[]): SplunkResultRow[] {
  const text = typeof data === 'string' ? data : data === undefined || data === null ? '' : JSON.stringify(data);
  const rows: SplunkResultRow[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const parsed = SplunkExportLineSchema.safeParse(parseJsonObject(line));
    if (!parsed.success) throw new PlatformApiError(`Splunk search export: line ${index + 1} is not an export JSON object`, { statusCode: 502 });
    const fatal = parsed.data.messages?.find((message) => message.type === 'FATAL' || message.type === 'ERROR');
    if (fatal) throw toPlatformApiError({ operation: 'Splunk search export', statusCode: 400, platformMessage: fatal.text ?? 'search failed' }, secrets);
    if (parsed.data.preview === true || parsed.data.result === undefined) continue;
    rows.push(parsed.data.result);
  }
  return rows;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined; // Not JSON: callers treat a missing object as an unreadable answer.
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
