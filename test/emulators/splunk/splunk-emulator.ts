import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConcatenatedJson } from '../../../scripts/eval/json-stream.js';
import { parseTimeModifier, runSearch, SearchError, type Row } from './emulator-search.js';
import { DISPOSITION_LABELS, SplunkEmulatorState, STATUS_LABELS, type ReviewRow } from './emulator-state.js';

/**
 * A stateful Splunk REST emulator on 127.0.0.1 (random port): splunkd auth, search export,
 * ES 7 notable_update, ES 8 findings / investigations / notes, HTTP Event Collector with acks,
 * KV store collection data, storage/passwords and conf stanzas — plus fault injection and an
 * analyst-side API. Endpoint shapes follow platforms.md §1.5–1.7 (most marked unconfirmed there).
 */

export interface SplunkEmulatorOptions {
  users?: Record<string, string>;
  /** Authentication tokens accepted as `Bearer <token>` (and `Splunk <token>`). */
  tokens?: Record<string, string>;
  /** HEC tokens: indexer acknowledgement, the default index, and the indexes the token may write (all when unset). */
  hecTokens?: Record<string, { ack?: boolean; index?: string; indexes?: string[] }>;
  /**
   * Users with limited rights (every other user is an admin): their capabilities, and whether
   * they may write the app's objects (KV collections, confs) as default.meta grants.
   */
  roles?: Record<string, { capabilities: string[]; canWriteApp?: boolean }>;
  /** Indexes that exist (HEC refuses any other with code 7); default: main, notable, risk, summary, verdict. */
  indexes?: string[];
  /** ES 8 findings returned per page when the client sends no `limit`. */
  findingsPageSize?: number;
  kvCollections?: string[];
  now?: () => number;
}

export interface FaultPlan {
  status: number;
  count: number;
  retryAfterSeconds?: number;
  /** Only requests whose path matches are failed. */
  match?: RegExp;
  /** Only requests with this method are failed. */
  method?: string;
  /** Matching requests let through before the faults start (a storm in the middle of a run). */
  after?: number;
  /**
   * A stall: the request is held this long before it is answered — with `status` when that is an
   * error, or served normally when `status` is 200 (a slow splunkd, not a failing one).
   */
  stallMs?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  authScheme?: string;
  user?: string;
}

export interface SplunkEmulator {
  url: string;
  state: SplunkEmulatorState;
  requests: RequestRecord[];
  injectFaults(plan: FaultPlan): void;
  clearFaults(): void;
  setDisposition(eventId: string, disposition: string, options?: { user?: string; comment?: string; status?: string }): ReviewRow;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=UTF-8';

export async function startSplunkEmulator(options: SplunkEmulatorOptions = {}): Promise<SplunkEmulator> {
  const users = new Map(Object.entries(options.users ?? { admin: 'changeme' }));
  const tokens = new Map(Object.entries(options.tokens ?? {}));
  const hecTokens = new Map(Object.entries(options.hecTokens ?? {}));
  const knownIndexes = new Set(options.indexes ?? ['main', 'notable', 'risk', 'summary', 'verdict']);
  const sessions = new Map<string, string>();
  const roles = new Map(Object.entries(options.roles ?? {}));
  const hasCapability = (user: string, capability: string): boolean => roles.get(user)?.capabilities.includes(capability) ?? true;
  const canWriteApp = (user: string): boolean => roles.get(user)?.canWriteApp ?? !roles.has(user);
  /** splunkd's own words for a missing capability. */
  const lacksCapability = (user: string, capability: string) => ({
    messages: [{ type: 'ERROR', text: `You (user=${user}) do not have permission to perform this operation (requires capability: ${capability}).` }],
  });
  const state = new SplunkEmulatorState(options.now ?? Date.now);
  for (const name of options.kvCollections ?? ['verdict_results']) state.createCollection(name);
  const faults: FaultPlan[] = [];
  const requests: RequestRecord[] = [];
  let nextAckId = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const record: RequestRecord = { method, path: url.pathname, status: 0 };
    requests.push(record);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      response.writeHead(status, { 'Content-Type': JSON_TYPE, ...headers });
      response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const fail = (status: number, text: string): void => send(status, { messages: [{ type: status >= 500 ? 'ERROR' : 'WARN', text }] });

    const fault = faults.find((plan) => plan.count > 0 && (!plan.match || plan.match.test(url.pathname)) && (!plan.method || plan.method === method));
    if (fault && (fault.after ?? 0) > 0) fault.after = (fault.after ?? 0) - 1;
    else if (fault) {
      fault.count -= 1;
      if (fault.stallMs) await new Promise((resolve) => setTimeout(resolve, fault.stallMs));
      // The client gave up during the stall: nothing to answer, nothing done.
      if (request.socket.destroyed) return;
      if (fault.status !== 200) {
        const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
        return send(fault.status, { messages: [{ type: 'ERROR', text: fault.status === 429 ? 'Too many requests' : 'Service temporarily unavailable' }] }, headers);
      }
    }

    // splunkd paths: /servicesNS/<owner>/<app>/<rest> is /services/<rest> in that namespace.
    const namespaced = url.pathname.match(/^\/servicesNS\/([^/]+)\/([^/]+)(\/.*)$/);
    const app = namespaced ? decodeURIComponent(namespaced[2] ?? '') : undefined;
    const path = namespaced ? `/services${namespaced[3] ?? ''}` : url.pathname;
    const form = (): URLSearchParams => new URLSearchParams(body.toString('utf8'));
    const jsonBody = (): unknown => JSON.parse(body.toString('utf8'));

    if (path.startsWith('/services/collector')) return handleHec(path, request, url, body, send, record);

    if (method === 'POST' && path === '/services/auth/login') {
      const fields = form();
      const username = fields.get('username') ?? '';
      if (!users.has(username) || users.get(username) !== fields.get('password')) return send(401, { messages: [{ type: 'WARN', text: 'Login failed' }] });
      const sessionKey = randomUUID().replace(/-/g, '');
      sessions.set(sessionKey, username);
      if ((url.searchParams.get('output_mode') ?? fields.get('output_mode')) === 'json') return send(200, { sessionKey });
      record.status = 200;
      response.writeHead(200, { 'Content-Type': 'text/xml; charset=UTF-8' });
      return void response.end(`<response>\n  <sessionKey>${sessionKey}</sessionKey>\n</response>\n`);
    }

    const user = authenticate(request.headers.authorization, record);
    if (user === undefined) return fail(401, 'call not properly authenticated');
    record.user = user;

    try {
      if (method === 'GET' && path === '/services/server/info') {
        return send(200, { generator: { build: 'emulator', version: '9.2.0' }, entry: [{ name: 'server-info', content: { version: '9.2.0', serverName: 'splunk-emulator' } }] });
      }
      if (method === 'GET' && path === '/services/authentication/current-context') {
        return send(200, { entry: [{ name: user, content: { username: user } }] });
      }
      if (method === 'POST' && /^\/services\/search(\/v2)?\/jobs\/export$/.test(path)) return exportSearch(form(), url, send, fail);
      if (method === 'POST' && path === '/services/notable_update') {
        if (!hasCapability(user, 'edit_notable_events')) return send(403, { success: false, message: `User ${user} does not have the capability edit_notable_events` });
        return notableUpdate(form(), user, send);
      }
      const findings = path.match(/^\/services\/public\/v2\/findings(?:\/(.+))?$/);
      if (findings && app === 'SplunkEnterpriseSecuritySuite') return findingsRoute(method, findings[1], url, jsonBody, send, fail);
      const investigation = path.match(/^\/services\/v1\/investigations\/([^/]+)$/);
      if (investigation && app === 'missioncontrol' && method === 'POST') return updateInvestigation(decodeURIComponent(investigation[1] ?? ''), jsonBody(), user, send, fail);
      const notes = path.match(/^\/services\/public\/v2\/investigations\/([^/]+)\/notes$/);
      if (notes && app === 'missioncontrol') return notesRoute(method, decodeURIComponent(notes[1] ?? ''), jsonBody, user, send, fail);
      const kv = path.match(/^\/services\/storage\/collections\/data\/([^/]+)(?:\/([^/]+))?$/);
      if (kv) {
        const collectionName = decodeURIComponent(kv[1] ?? '');
        if (method !== 'GET' && !canWriteApp(user)) {
          return fail(
            403,
            `User '${user}' with roles { ${user} } cannot write: /nobody/${app ?? 'search'}/collections/${collectionName} { read : [ * ], write : [ admin, sc_admin ] }, export: global, removable: no, modtime: 0`,
          );
        }
        return kvRoute(method, collectionName, kv[2] === undefined ? undefined : decodeURIComponent(kv[2]), url, jsonBody, send, fail);
      }
      if (method === 'GET' && path === '/services/storage/passwords') {
        if (!hasCapability(user, 'list_storage_passwords')) return send(403, lacksCapability(user, 'list_storage_passwords'));
        return send(200, { entry: state.passwords.map((entry) => ({ name: `${entry.realm}:${entry.username}:`, content: { ...entry } })) });
      }
      const confWrite = path.match(/^\/services\/configs\/conf-([^/]+)(?:\/([^/]+))?$/);
      if (confWrite && method === 'POST') {
        if (!canWriteApp(user)) return fail(403, `User '${user}' with roles { ${user} } cannot write: /nobody/${app ?? 'search'}/${confWrite[1]}`);
        const stanza = decodeURIComponent(confWrite[2] ?? form().get('name') ?? '');
        if (stanza === '') return fail(400, 'A stanza name is required (name=…)');
        const fields = Object.fromEntries([...form().entries()].filter(([key]) => key !== 'name' && key !== 'output_mode'));
        state.confs.set(`${confWrite[1]}/${stanza}`, { ...(state.confs.get(`${confWrite[1]}/${stanza}`) ?? {}), ...fields });
        return send(200, { entry: [{ name: stanza, content: state.confs.get(`${confWrite[1]}/${stanza}`) }] });
      }
      const conf = path.match(/^\/services\/configs\/conf-([^/]+)\/([^/]+)$/);
      if (conf && method === 'GET') {
        const stanza = state.confs.get(`${conf[1]}/${decodeURIComponent(conf[2] ?? '')}`);
        return stanza ? send(200, { entry: [{ name: conf[2], content: stanza }] }) : fail(404, 'Could not find object');
      }
      return fail(404, `Unknown endpoint ${method} ${url.pathname}`);
    } catch (error) {
      if (error instanceof SyntaxError) return fail(400, `Malformed JSON body: ${error.message}`);
      throw error;
    }
  };

  const authenticate = (header: string | undefined, record: RequestRecord): string | undefined => {
    const [scheme, credential = ''] = (header ?? '').split(/\s+/, 2);
    if (scheme) record.authScheme = scheme;
    if (scheme === 'Splunk') return sessions.get(credential) ?? tokens.get(credential);
    if (scheme === 'Bearer') return tokens.get(credential);
    if (scheme === 'Basic') {
      const [username = '', password] = Buffer.from(credential, 'base64').toString('utf8').split(':', 2);
      return users.get(username) === password ? username : undefined;
    }
    return undefined;
  };

  type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;
  type Fail = (status: number, text: string) => void;

  const exportSearch = (fields: URLSearchParams, url: URL, send: Send, fail: Fail): void => {
    const search = fields.get('search') ?? '';
    if (!/^\s*(\||search\b)/.test(search)) return fail(400, "Search must start with 'search' or '|'");
    let rows: Row[];
    try {
      const now = state.nowSeconds();
      rows = runSearch(
        search,
        {
          notables: () => state.notableView(),
          reviews: () => state.reviewView(),
          lookup: (name) => {
            const collection = state.collection(name);
            return collection ? [...collection.values()].map(toRow) : undefined;
          },
          events: () => state.hecEvents.map((record) => eventRow(record.payload, now)),
        },
        {
          earliest: parseTimeModifier(fields.get('earliest_time') ?? url.searchParams.get('earliest_time') ?? undefined, now),
          latest: parseTimeModifier(fields.get('latest_time') ?? url.searchParams.get('latest_time') ?? undefined, now),
        },
      );
    } catch (error) {
      if (error instanceof SearchError) return send(400, { messages: [{ type: 'FATAL', text: error.message }] });
      throw error;
    }
    const lines = rows.map((row, offset) => JSON.stringify({ preview: false, offset, ...(offset === rows.length - 1 ? { lastrow: true } : {}), result: exportRow(row) }));
    // A transforming search streams interim previews first; clients must skip them.
    if (rows[0]) lines.unshift(JSON.stringify({ preview: true, offset: 0, result: exportRow(rows[0]) }));
    if (rows.length === 0) lines.push(JSON.stringify({ preview: false, lastrow: true }));
    send(200, `${lines.join('\n')}\n`);
  };

  // ES answers notable_update errors as {"success": false, "message": …}, not splunkd's messages[].
  const notableUpdate = (fields: URLSearchParams, user: string, send: Send): void => {
    const refuse = (message: string): void => send(400, { success: false, message });
    const ruleUIDs = fields.getAll('ruleUIDs');
    if (ruleUIDs.length === 0 && !fields.get('searchID')) return refuse('ruleUIDs or searchID is required');
    const status = fields.get('status') ?? undefined;
    const disposition = fields.get('disposition') ?? undefined;
    const urgency = fields.get('urgency') ?? undefined;
    if (status !== undefined && !(status in STATUS_LABELS)) return refuse(`Invalid status ${status}`);
    if (disposition !== undefined && !(disposition in DISPOSITION_LABELS)) return refuse(`Invalid disposition ${disposition}`);
    if (urgency !== undefined && !['informational', 'low', 'medium', 'high', 'critical'].includes(urgency)) return refuse(`Invalid urgency ${urgency}`);
    let updated = 0;
    for (const ruleId of ruleUIDs) {
      if (!state.notables.has(ruleId)) continue;
      state.review(ruleId, {
        user,
        ...(status ? { status } : {}),
        ...(disposition ? { disposition } : {}),
        ...(urgency ? { urgency } : {}),
        ...(fields.get('newOwner') ? { owner: fields.get('newOwner') ?? '' } : {}),
        comment: fields.get('comment') ?? '',
      });
      updated += 1;
    }
    const failed = ruleUIDs.length - updated;
    send(200, {
      success: updated > 0,
      message: updated > 0 ? `${updated} event${updated === 1 ? '' : 's'} updated successfully` : 'No events were updated',
      success_count: updated,
      failure_count: failed,
    });
  };

  const findingsRoute = (method: string, refId: string | undefined, url: URL, jsonBody: () => unknown, send: Send, fail: Fail): void => {
    if (method === 'GET' && refId) {
      const finding = state.findings.get(decodeURIComponent(refId));
      return finding ? send(200, state.findingView(finding)) : fail(404, 'Finding not found');
    }
    if (method === 'GET') {
      const now = state.nowSeconds();
      const earliest = parseTimeModifier(url.searchParams.get('earliest') ?? undefined, now) ?? 0;
      const latest = parseTimeModifier(url.searchParams.get('latest') ?? undefined, now) ?? Number.POSITIVE_INFINITY;
      const matching = [...state.findings.values()].filter((finding) => Number(finding._time) >= earliest && Number(finding._time) < latest);
      // Pages like ES 8: `limit` (default page size when absent) and `offset`; `total` counts them all.
      const limit = Number(url.searchParams.get('limit') ?? options.findingsPageSize ?? 100);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) return fail(400, 'limit must be a positive integer and offset a non-negative one');
      const items = matching.slice(offset, offset + limit).map((finding) => state.findingView(finding));
      return send(200, { items, count: items.length, total: matching.length });
    }
    if (method === 'POST' && !refId) {
      const input = jsonBody();
      if (typeof input !== 'object' || input === null || typeof (input as Row).rule_title !== 'string') return fail(400, 'rule_title is required');
      return send(201, state.findingView(state.addFinding(input as Row)));
    }
    return fail(405, 'Method not allowed');
  };

  const updateInvestigation = (refId: string, input: unknown, user: string, send: Send, fail: Fail): void => {
    if (!state.findings.has(refId)) return fail(404, `Investigation ${refId} not found`);
    const change = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const disposition = typeof change.disposition === 'string' ? change.disposition : undefined;
    const status = typeof change.status === 'string' ? change.status : undefined;
    if (disposition !== undefined && !(disposition in DISPOSITION_LABELS)) return fail(400, `Invalid disposition ${disposition}`);
    if (status !== undefined && !(status in STATUS_LABELS)) return fail(400, `Invalid status ${status}`);
    state.review(refId, { user, ...(disposition ? { disposition } : {}), ...(status ? { status } : {}), ...(typeof change.assignee === 'string' ? { owner: change.assignee } : {}) });
    send(200, { success: true });
  };

  const notesRoute = (method: string, refId: string, jsonBody: () => unknown, user: string, send: Send, fail: Fail): void => {
    if (!state.findings.has(refId)) return fail(404, `Investigation ${refId} not found`);
    const notes = state.notes.get(refId) ?? [];
    if (method === 'GET') return send(200, { items: notes, count: notes.length });
    const input = jsonBody() as { content?: unknown };
    if (typeof input.content !== 'string' || input.content.trim() === '') return fail(400, 'content is required');
    const note = { id: randomUUID(), content: input.content, create_time: state.nowSeconds(), author: user };
    state.notes.set(refId, [...notes, note]);
    return send(201, note);
  };

  const kvRoute = (method: string, name: string, key: string | undefined, url: URL, jsonBody: () => unknown, send: Send, fail: Fail): void => {
    const collection = state.collection(name);
    if (!collection) return fail(404, `Collection ${name} does not exist`);
    if (key === 'batch_save' && method === 'POST') {
      const documents = jsonBody();
      if (!Array.isArray(documents)) return fail(400, 'batch_save takes a JSON array');
      return send(
        200,
        documents.map((document: Record<string, unknown>) => {
          const documentKey = typeof document._key === 'string' ? document._key : randomUUID();
          collection.set(documentKey, { ...document, _key: documentKey });
          return documentKey;
        }),
      );
    }
    if (key === undefined && method === 'GET') {
      const query = url.searchParams.get('query');
      const filter = query ? (JSON.parse(query) as Record<string, unknown>) : {};
      const rows = [...collection.values()].filter((row) => Object.entries(filter).every(([field, value]) => row[field] === value));
      return send(200, rows);
    }
    if (key === undefined && method === 'POST') {
      const document = jsonBody() as Record<string, unknown>;
      const documentKey = typeof document._key === 'string' ? document._key : randomUUID();
      if (collection.has(documentKey)) return fail(409, `A document with _key ${documentKey} already exists`);
      collection.set(documentKey, { ...document, _key: documentKey });
      return send(201, { _key: documentKey });
    }
    if (key === undefined) return fail(405, 'Method not allowed');
    const existing = collection.get(key);
    if (method === 'GET') return existing ? send(200, existing) : fail(404, 'Could not find object.');
    if (method === 'DELETE') return existing ? (collection.delete(key), send(200, '')) : fail(404, 'Could not find object.');
    if (method === 'POST') {
      if (!existing) return fail(404, 'Could not find object.');
      collection.set(key, { ...(jsonBody() as Record<string, unknown>), _key: key });
      return send(200, { _key: key });
    }
    return fail(405, 'Method not allowed');
  };

  const handleHec = (path: string, request: IncomingMessage, url: URL, body: Buffer, send: Send, record: RequestRecord): void => {
    const hecError = (status: number, code: number, text: string): void => send(status, { text, code });
    if (path === '/services/collector/health') return send(200, { text: 'HEC is healthy', code: 17 });
    const [scheme, token = ''] = (request.headers.authorization ?? '').split(/\s+/, 2);
    if (!scheme) return hecError(401, 2, 'Token is required');
    record.authScheme = scheme;
    const settings = scheme === 'Splunk' ? hecTokens.get(token) : undefined;
    if (!settings) return hecError(403, 4, 'Invalid token');
    const channelHeader = request.headers['x-splunk-request-channel'];
    const channel = (Array.isArray(channelHeader) ? channelHeader[0] : channelHeader) ?? url.searchParams.get('channel') ?? undefined;
    if (path === '/services/collector/ack') {
      if (!settings.ack) return hecError(400, 14, 'ACK is disabled');
      if (!channel) return hecError(400, 10, 'Data channel is missing');
      const pending = state.hecAckPending.get(channel) ?? new Map<number, number>();
      const asked = (JSON.parse(body.toString('utf8')) as { acks?: number[] }).acks ?? [];
      const acks: Record<string, boolean> = {};
      // An event is acknowledged on the second poll: clients must really poll.
      for (const id of asked) {
        const polls = (pending.get(id) ?? 0) + 1;
        pending.set(id, polls);
        acks[String(id)] = polls >= 2;
      }
      state.hecAckPending.set(channel, pending);
      return send(200, { acks });
    }
    if (path !== '/services/collector/event' && path !== '/services/collector') return hecError(404, 404, 'Not found');
    if (settings.ack && !channel) return hecError(400, 10, 'Data channel is missing');
    // HEC batches are JSON objects one after another, not an array; as in Splunk, anything but
    // white space between two objects (a comma, stray text) makes the batch invalid.
    const text = body.toString('utf8');
    let values: unknown[];
    try {
      values = parseConcatenatedJson(text, { strict: true });
    } catch {
      return hecError(400, 6, 'Invalid data format');
    }
    const events = values.filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value));
    if (events.length !== values.length || (values.length === 0 && text.trim() !== '')) return hecError(400, 6, 'Invalid data format');
    if (events.length === 0) return hecError(400, 5, 'No data');
    for (const event of events) {
      if (!('event' in event)) return hecError(400, 12, 'Event field is required');
      if (event.event === '' || event.event === null) return hecError(400, 13, 'Event field cannot be blank');
    }
    for (const [position, event] of events.entries()) {
      const index = typeof event.index === 'string' ? event.index : (settings.index ?? 'main');
      // An index that does not exist, or one the token may not write, is refused alike.
      if (!knownIndexes.has(index) || (settings.indexes && !settings.indexes.includes(index))) return send(400, { text: 'Incorrect index', code: 7, 'invalid-event-number': position });
    }
    const ackId = settings.ack ? nextAckId++ : undefined;
    for (const payload of events) state.hecEvents.push({ payload: { index: settings.index ?? 'main', ...payload }, ...(channel ? { channel } : {}), ...(ackId === undefined ? {} : { ackId }) });
    return send(200, { text: 'Success', code: 0, ...(ackId === undefined ? {} : { ackId }) });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'Content-Type': JSON_TYPE });
      response.end(JSON.stringify({ messages: [{ type: 'ERROR', text: error instanceof Error ? error.message : 'internal error' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    injectFaults: (plan) => void faults.push({ ...plan }),
    clearFaults: () => void faults.splice(0),
    setDisposition: (eventId, disposition, setOptions) => state.setDisposition(eventId, disposition, setOptions),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Export rows show `_time` the way Splunk's JSON output does: ISO 8601 with milliseconds and offset. */
function exportRow(row: Row): Row {
  const time = Number(row._time);
  if (typeof row._time !== 'string' || Number.isNaN(time)) return row;
  return { ...row, _time: new Date(time * 1000).toISOString().replace('Z', '+00:00') };
}

/** An event as search sees it: its metadata and its indexed fields (HEC `fields`), `_raw` the event. */
function eventRow(payload: Record<string, unknown>, nowSeconds: number): Row {
  const row: Row = {
    index: String(payload.index ?? 'main'),
    sourcetype: String(payload.sourcetype ?? 'httpevent'),
    source: String(payload.source ?? 'http:verdict'),
    _time: String(typeof payload.time === 'number' ? payload.time : nowSeconds),
    _raw: typeof payload.event === 'string' ? payload.event : JSON.stringify(payload.event),
  };
  const fields = typeof payload.fields === 'object' && payload.fields !== null ? (payload.fields as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(fields)) row[key] = Array.isArray(value) ? value.map(String) : String(value);
  return row;
}

function toRow(document: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(document)) row[key] = Array.isArray(value) ? value.map(String) : String(value);
  return row;
}
