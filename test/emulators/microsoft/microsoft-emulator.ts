import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleArm, type ArmHooks, type ArmWorkspace } from './arm-routes.js';
import { MicrosoftEmulatorState } from './emulator-state.js';
import { handleGraph, odataError, type GraphAnswer } from './graph-routes.js';
import { TokenService, type AppRegistration } from './token-service.js';

/**
 * A stateful Microsoft emulator on 127.0.0.1, three HTTPS hosts as in a (national) cloud: the
 * Entra authority (openid configuration + v2.0 token endpoint), Microsoft Graph v1.0 (security
 * incidents, alerts_v2, comments, JSON `$batch`) and Azure Resource Manager (Sentinel incidents).
 * Graph throttles per app and tenant (a sliding window, 429 + Retry-After, as the security API's
 * 150 requests per minute); faults can be injected on demand. Every request is recorded.
 */

export interface FaultPlan {
  status: number;
  count: number;
  retryAfterSeconds?: number;
  /** Only requests whose path (below the host root) matches. */
  match?: RegExp;
  method?: string;
  /** Matching requests let through before the faults start. */
  after?: number;
}

export interface RequestRecord {
  time: number;
  service: 'login' | 'graph' | 'arm';
  method: string;
  path: string;
  status: number;
  appId?: string;
  /** A request inside a Graph `$batch`. */
  isBatched?: boolean;
  /** Refused by the emulator's own quota (not an injected fault). */
  isThrottled?: boolean;
}

export interface MicrosoftEmulatorOptions {
  tls: { key: string; cert: string };
  tenantId: string;
  apps: AppRegistration[];
  workspace: ArmWorkspace;
  /** Graph quota per app per tenant; the security API's is 150 per 60 s. */
  graphQuota?: { requests: number; windowMs: number };
  now?: () => number;
}

export interface MicrosoftEmulator {
  loginUrl: string;
  graphUrl: string;
  armUrl: string;
  state: MicrosoftEmulatorState;
  tokens: TokenService;
  requests: RequestRecord[];
  armHooks: ArmHooks;
  /** Delay before answering each Graph and ARM request (a slow tenant, so a test can kill a run midway). */
  setLatency(milliseconds: number): void;
  /**
   * Runs after a Graph or ARM request took effect and before its answer is sent (a test can kill
   * the client there: the platform has the write, the client never hears of it).
   */
  setBeforeAnswer(hook: ((service: 'graph' | 'arm', method: string, path: string) => Promise<void> | void) | undefined): void;
  injectFaults(plan: FaultPlan): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

export async function startMicrosoftEmulator(options: MicrosoftEmulatorOptions): Promise<MicrosoftEmulator> {
  const now = options.now ?? Date.now;
  const apps = new Map(options.apps.map((app) => [app.clientId, app]));
  const state = new MicrosoftEmulatorState(now);
  const requests: RequestRecord[] = [];
  const faults: FaultPlan[] = [];
  const armHooks: ArmHooks = { beforePut: new Map() };
  const quota = options.graphQuota ?? { requests: 150, windowMs: 60_000 };
  const recent = new Map<string, number[]>();
  const urls = { login: '', graph: '', arm: '' };
  let latencyMs = 0;
  let beforeAnswer: Parameters<MicrosoftEmulator['setBeforeAnswer']>[0];
  const tokens = new TokenService(options.tenantId, apps, () => [urls.graph, urls.arm], now);

  const takeFault = (path: string, method: string): FaultPlan | undefined => {
    const fault = faults.find((plan) => plan.count > 0 && (!plan.match || plan.match.test(path)) && (!plan.method || plan.method === method));
    if (!fault) return undefined;
    if ((fault.after ?? 0) > 0) {
      fault.after! -= 1;
      return undefined;
    }
    fault.count -= 1;
    return fault;
  };
  const faultAnswer = (fault: FaultPlan): GraphAnswer =>
    odataError(
      fault.status,
      fault.status === 429 ? 'TooManyRequests' : fault.status >= 500 ? 'ServiceUnavailable' : 'BadRequest',
      fault.status === 429 ? 'Too many requests.' : 'Injected fault.',
      fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) },
    );

  /** Quota check for one Graph request of an app (inner batch requests count one each). */
  const throttle = (appId: string): GraphAnswer | undefined => {
    const time = now();
    const window = (recent.get(appId) ?? []).filter((start) => start > time - quota.windowMs);
    recent.set(appId, window);
    if (window.length >= quota.requests) {
      const retryAfter = Math.max(1, Math.ceil((window[0]! + quota.windowMs - time) / 1000));
      return odataError(429, 'TooManyRequests', 'Too many requests. The application has exceeded the security API request limit (150 requests per minute per tenant).', {
        'Retry-After': String(retryAfter),
      });
    }
    window.push(time);
    return undefined;
  };

  /** One Graph request (top-level or inside $batch) after authentication. */
  const graphRequest = (method: string, pathAndQuery: string, headers: Record<string, string | undefined>, body: unknown, appId: string, isBatched: boolean): GraphAnswer => {
    const url = new URL(pathAndQuery, 'https://graph.invalid');
    const path = url.pathname.replace(/^\/v1\.0/, '');
    const record: RequestRecord = { time: now(), service: 'graph', method, path, status: 0, appId, isBatched };
    requests.push(record);
    const answer = ((): GraphAnswer => {
      const fault = takeFault(path, method);
      if (fault) return faultAnswer(fault);
      const throttled = throttle(appId);
      if (throttled) {
        record.isThrottled = true;
        return throttled;
      }
      const app = apps.get(appId)!;
      try {
        return handleGraph(state, { method, path, query: url.searchParams, headers, body, appId, appName: app.displayName, roles: app.graphRoles }, `${urls.graph}/v1.0`);
      } catch (error) {
        return odataError(500, 'InternalServerError', (error as Error).message);
      }
    })();
    record.status = answer.status;
    return answer;
  };

  const batch = (body: unknown, prefer: string | undefined, appId: string): GraphAnswer => {
    const steps = (body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(steps) || steps.length === 0) return odataError(400, 'BadRequest', 'Invalid batch payload: requests must be a non-empty array.');
    if (steps.length > 20) return odataError(400, 'BadRequest', 'Number of batch request steps exceeds the maximum of 20.');
    const ids = new Set<string>();
    for (const step of steps as Array<Record<string, unknown>>) {
      if (typeof step.id !== 'string' || ids.has(step.id)) return odataError(400, 'BadRequest', 'Each batch request needs a unique string id.');
      if (typeof step.method !== 'string' || typeof step.url !== 'string' || !step.url.startsWith('/'))
        return odataError(400, 'BadRequest', `Batch request ${step.id}: method and a relative url are required.`);
      // A write without a body or a Content-Type fails the whole batch (none of its requests runs).
      const hasContentType = Object.keys((step.headers as Record<string, unknown> | undefined) ?? {}).some((name) => name.toLowerCase() === 'content-type');
      if (['POST', 'PATCH', 'PUT'].includes(step.method.toUpperCase()) && (step.body === undefined || !hasContentType))
        return odataError(400, 'BadRequest', `Write request id : ${step.id} does not contain Content-Type header or body.`);
      for (const dependency of (step.dependsOn as unknown[] | undefined) ?? [])
        if (!ids.has(String(dependency))) return odataError(400, 'BadRequest', `Batch request ${step.id} depends on unknown or later request ${String(dependency)}.`);
      ids.add(step.id);
    }
    const statuses = new Map<string, number>();
    const responses = (steps as Array<Record<string, unknown>>).map((step) => {
      const dependsOn = ((step.dependsOn as unknown[] | undefined) ?? []).map(String);
      const failedDependency = dependsOn.find((dependency) => (statuses.get(dependency) ?? 500) >= 300);
      const stepHeaders = Object.fromEntries(Object.entries((step.headers as Record<string, string> | undefined) ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
      const answer =
        failedDependency !== undefined
          ? odataError(424, 'FailedDependency', `Request ${String(step.id)} depends on request ${failedDependency}, which failed.`)
          : graphRequest(String(step.method), `/v1.0${String(step.url)}`, { prefer, ...stepHeaders }, step.body, appId, true);
      statuses.set(String(step.id), answer.status);
      return { id: step.id, status: answer.status, headers: { 'Content-Type': 'application/json', ...answer.headers }, body: answer.body };
    });
    return { status: 200, body: { responses } };
  };

  const handle = async (service: 'login' | 'graph' | 'arm', request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'https://emulator.invalid');
    const method = request.method ?? 'GET';
    const text = await readBody(request);
    if (latencyMs > 0 && service !== 'login') await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const send = async (answer: { status: number; headers?: Record<string, string>; body?: unknown }): Promise<void> => {
      if (service !== 'login') await beforeAnswer?.(service, method, url.pathname.replace(/^\/v1\.0/, ''));
      response.writeHead(answer.status, { 'Content-Type': service === 'graph' ? JSON_TYPE : 'application/json; charset=utf-8', 'request-id': crypto.randomUUID(), ...answer.headers });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    };

    if (service === 'login') {
      const record: RequestRecord = { time: now(), service, method, path: url.pathname, status: 0 };
      requests.push(record);
      const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      let answer: { status: number; body: unknown };
      if (discovery && method === 'GET') answer = { status: 200, body: tokens.openIdConfiguration(urls.login, discovery[1]!) };
      else if (token && method === 'POST') {
        const form = new URLSearchParams(text);
        record.appId = form.get('client_id') ?? undefined;
        answer = tokens.issue(token[1]!, form, `${urls.login}${url.pathname}`);
      } else answer = { status: 404, body: { error: 'invalid_request', error_description: `AADSTS900561: The endpoint only accepts ${token ? 'POST' : 'GET'} requests.` } };
      record.status = answer.status;
      return send(answer);
    }

    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return send(
          service === 'graph'
            ? odataError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.')
            : { status: 400, body: { error: { code: 'InvalidRequestContent', message: 'The request content was invalid and could not be deserialized.' } } },
        );
      }
    }
    const audience = service === 'graph' ? urls.graph : urls.arm;
    const auth = tokens.authenticate(request.headers.authorization, audience);
    if (!auth.token) {
      requests.push({ time: now(), service, method, path: url.pathname, status: 401 });
      return send(
        service === 'graph'
          ? odataError(401, 'InvalidAuthenticationToken', auth.problem!, { 'WWW-Authenticate': 'Bearer realm=""' })
          : { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: auth.problem! } } },
      );
    }
    const app = apps.get(auth.token.appId)!;

    if (service === 'graph') {
      const prefer = typeof request.headers.prefer === 'string' ? request.headers.prefer : undefined;
      if (url.pathname === '/v1.0/$batch') {
        const record: RequestRecord = { time: now(), service, method, path: '/$batch', status: 0, appId: app.clientId };
        requests.push(record);
        const fault = takeFault('/$batch', method);
        const answer = fault ? faultAnswer(fault) : method === 'POST' ? batch(body, prefer, app.clientId) : odataError(405, 'MethodNotAllowed', '$batch takes POST.');
        record.status = answer.status;
        return send(answer);
      }
      if (!url.pathname.startsWith('/v1.0/')) return send(odataError(400, 'BadRequest', `Invalid version: ${url.pathname.split('/')[1] ?? ''}`));
      return send(graphRequest(method, `${url.pathname}${url.search}`, { prefer }, body, app.clientId, false));
    }

    const record: RequestRecord = { time: now(), service, method, path: url.pathname, status: 0, appId: app.clientId };
    requests.push(record);
    const fault = takeFault(url.pathname, method);
    const answer = fault
      ? {
          status: fault.status,
          headers: fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) },
          body: { error: { code: fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', message: 'Injected fault.' } },
        }
      : handleArm(state, options.workspace, armHooks, { method, path: url.pathname, query: url.searchParams, body, appId: app.clientId, appName: app.displayName, role: app.armRole }, urls.arm);
    record.status = answer.status;
    return send(answer);
  };

  const servers: Server[] = [];
  const listen = async (service: 'login' | 'graph' | 'arm'): Promise<string> => {
    const server = createServer({ key: options.tls.key, cert: options.tls.cert }, (request, response) => {
      handle(service, request, response).catch((error: unknown) => {
        response.writeHead(500, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(error) } }));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  urls.login = await listen('login');
  urls.graph = await listen('graph');
  urls.arm = await listen('arm');

  return {
    loginUrl: urls.login,
    graphUrl: urls.graph,
    armUrl: urls.arm,
    state,
    tokens,
    requests,
    armHooks,
    setLatency: (milliseconds) => void (latencyMs = milliseconds),
    setBeforeAnswer: (hook) => void (beforeAnswer = hook),
    injectFaults: (plan) => void faults.push({ ...plan }),
    clearFaults: () => void faults.splice(0),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 4 * 1024 * 1024) throw new Error('request body over 4 MB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
