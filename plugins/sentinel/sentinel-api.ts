import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import graphClient, { type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { PlatformApiError } from '../../core/spec/errors.js';
import { sentinelSecrets, type SentinelConfig } from './sentinel-config.js';
import { tenantLimiter, toPlatformApiError, withRetry, type RetryPolicy, type SlidingWindowLimiter } from './sentinel-retry.js';

/**
 * The only file of the Sentinel plugin that does I/O. Graph goes through
 * `@microsoft/microsoft-graph-client` with an `@azure/identity` credential (client secret or
 * certificate); ARM (Microsoft.SecurityInsights, api-version 2025-12-01) through fetch with a
 * token from the same credential. The Graph client's own RetryHandler is left out of the
 * middleware chain: retries live in one place (sentinel-retry.ts), behind one limiter per tenant.
 */

export const ARM_API_VERSION = '2025-12-01';

export interface SentinelApiOptions {
  /** Replaces fetch for Graph and ARM calls (tests). */
  fetch?: typeof undiciFetch;
  sleep?: (milliseconds: number) => Promise<void>;
  onRetry?: RetryPolicy['onRetry'];
}

export type GraphResource = 'alerts_v2' | 'incidents';

/** The largest `$top` Graph accepts per list (incidents: 50; alerts_v2: 2000); a larger one is a 400. */
const MAX_TOP: Record<GraphResource, number> = { incidents: 50, alerts_v2: 2000 };

export interface BatchStep {
  id: string;
  method: 'GET' | 'PATCH' | 'POST';
  /** Relative to the version root, e.g. `/security/incidents/1/comments`. */
  url: string;
  body?: unknown;
  dependsOn?: string[];
}

export interface SentinelApi {
  /** GET /security/{resource}?$filter=lastUpdateDateTime ge …&$top=…[&$expand=alerts], following @odata.nextLink. */
  listGraph(resource: GraphResource, since: string, options?: { expandAlerts?: boolean }): Promise<Array<Record<string, unknown>>>;
  getGraph(resource: GraphResource, id: string): Promise<Record<string, unknown>>;
  /** POST /$batch; every step must succeed (2xx) or the first failure is thrown. */
  batch(steps: BatchStep[]): Promise<void>;
  postComment(resource: GraphResource, id: string, body: unknown): Promise<void>;
  listArmIncidents(since: string): Promise<Array<Record<string, unknown>>>;
  getArmIncident(name: string): Promise<Record<string, unknown>>;
  putArmIncident(name: string, body: unknown): Promise<Record<string, unknown>>;
  getArmComment(incidentName: string, commentName: string): Promise<Record<string, unknown> | undefined>;
  putArmComment(incidentName: string, commentName: string, body: unknown): Promise<void>;
}

const { AuthenticationHandler, Client } = graphClient;
type GraphClient = ReturnType<typeof Client.initWithMiddleware>;

function createCredential(config: SentinelConfig, ca: string[] | undefined): TokenCredential {
  const options = {
    authorityHost: config.authorityHost,
    // Instance discovery would call login.microsoftonline.com for any other authority host.
    disableInstanceDiscovery: true,
    ...(ca ? { tlsOptions: { ca: ca.join('\n') } } : {}),
  };
  if ('clientSecret' in config.auth) return new ClientSecretCredential(config.tenantId, config.clientId, config.auth.clientSecret, options);
  return new ClientCertificateCredential(config.tenantId, config.clientId, { certificatePath: config.auth.certificatePath }, { ...options, sendCertificateChain: config.auth.sendCertificateChain });
}

/** Graph middleware that ends the chain: sends through undici with the configured trust store. */
class FetchHandler implements Middleware {
  constructor(
    private readonly send: typeof undiciFetch,
    private readonly dispatcher: Agent | undefined,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    const init = { ...(context.options as Record<string, unknown>), signal: AbortSignal.timeout(this.timeoutMs), ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) };
    context.response = (await this.send(String(context.request), init as Parameters<typeof undiciFetch>[1])) as unknown as Response;
  }
}

export function createSentinelApi(config: SentinelConfig, options: SentinelApiOptions = {}): SentinelApi {
  const secrets = sentinelSecrets(config);
  const ca = config.caFile ? [...rootCertificates, readFileSync(config.caFile, 'utf8')] : undefined;
  const dispatcher = ca ? new Agent({ connect: { ca } }) : undefined;
  const send = options.fetch ?? undiciFetch;
  const policy: RetryPolicy = {
    maxRetries: config.maxRetries,
    maxRetryDelayMs: config.maxRetryDelayMs,
    baseDelayMs: 500,
    sleep: options.sleep ?? ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds))),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const limiter: SlidingWindowLimiter = tenantLimiter(`${config.authorityHost}/${config.tenantId}`, config.rateLimitRequests, config.rateLimitWindowSeconds * 1000);
  let credential: TokenCredential | undefined;
  const getCredential = (): TokenCredential => (credential ??= createCredential(config, ca));
  const graphRoot = `${config.graphEndpoint}/v1.0`;

  let client: GraphClient | undefined;
  const getClient = (): GraphClient => {
    if (client) return client;
    const authProvider = new TokenCredentialAuthenticationProvider(getCredential(), { scopes: [`${config.graphEndpoint}/.default`] });
    const auth = new AuthenticationHandler(authProvider);
    auth.setNext(new FetchHandler(send, dispatcher, config.requestTimeoutMs));
    client = Client.initWithMiddleware({ middleware: auth, baseUrl: config.graphEndpoint, defaultVersion: 'v1.0', customHosts: new Set([new URL(config.graphEndpoint).hostname]) });
    return client;
  };

  /** One Graph call: limited, retried, errors as PlatformApiError. `requests` = inner requests of a batch. */
  const graph = <T>(operation: string, call: (api: GraphClient) => Promise<T>, requests = 1): Promise<T> =>
    withRetry(operation, policy, async () => {
      for (let count = 0; count < requests; count += 1) await limiter.acquire();
      try {
        return await call(getClient());
      } catch (failure) {
        throw graphFailure(operation, failure, secrets);
      }
    });

  const armBase = config.sentinelWorkspace
    ? `${config.armEndpoint}/subscriptions/${config.sentinelWorkspace.subscriptionId}/resourceGroups/${encodeURIComponent(config.sentinelWorkspace.resourceGroup)}/providers/Microsoft.OperationalInsights/workspaces/${config.sentinelWorkspace.workspaceName}/providers/Microsoft.SecurityInsights`
    : undefined;
  /** One ARM call (Incidents.json); 404 on GET resolves to undefined when `isOptional`. */
  const arm = (method: 'GET' | 'PUT', pathOrUrl: string, body?: unknown, isOptional = false): Promise<Record<string, unknown> | undefined> => {
    if (!armBase) return Promise.reject(new PlatformApiError('ARM incidents need sentinel.sentinelWorkspace', { statusCode: 400 }));
    const url = pathOrUrl.startsWith('https://') || pathOrUrl.startsWith('http://') ? new URL(pathOrUrl) : new URL(`${armBase}${pathOrUrl}`);
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', ARM_API_VERSION);
    const operation = `Sentinel ARM ${method} ${url.pathname.replace(/^.*\/providers\/Microsoft\.SecurityInsights/, '…')}`;
    return withRetry(operation, policy, async () => {
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        const token = await getCredential().getToken(`${config.armEndpoint}/.default`);
        if (!token) throw new PlatformApiError(`${operation}: no ARM token`, { statusCode: 401 });
        response = await send(url, {
          method,
          headers: { Authorization: `Bearer ${token.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(config.requestTimeoutMs),
          ...(dispatcher ? { dispatcher } : {}),
        });
      } catch (cause) {
        if (PlatformApiError.isInstance(cause)) throw cause;
        throw entraRefusal(operation, cause, secrets) ?? toPlatformApiError({ operation, statusCode: undefined, cause: credentialFailure(cause) }, secrets);
      }
      const text = await response.text();
      const parsed = parseObject(text);
      if (response.status === 404 && isOptional) return undefined;
      if (!response.ok) {
        const error = asObject(parsed?.error);
        throw toPlatformApiError(
          { operation, statusCode: response.status, retryAfter: response.headers.get('retry-after'), ...(error ? { platformMessage: `${String(error.code)}: ${String(error.message)}` } : {}) },
          secrets,
        );
      }
      return parsed ?? {};
    });
  };

  const withPrefer = <T extends { header(name: string, value: string): T }>(request: T): T => request.header('Prefer', 'include-unknown-enum-members');

  return {
    // Graph v1.0: GET /security/alerts_v2 and /security/incidents ($filter, $top, $expand=alerts, @odata.nextLink).
    async listGraph(resource, since, listOptions = {}) {
      const items: Array<Record<string, unknown>> = [];
      let next: string | undefined = `${graphRoot}/security/${resource}?${new URLSearchParams({
        $filter: `lastUpdateDateTime ge ${since}`,
        $top: String(Math.min(config.pageSize, MAX_TOP[resource])),
        ...(listOptions.expandAlerts ? { $expand: 'alerts' } : {}),
      })
        .toString()
        .replace(/\+/g, '%20')}`;
      for (let page = 0; next !== undefined; page += 1) {
        if (page >= config.maxPagesPerPull)
          throw new PlatformApiError(`Graph GET /security/${resource}: more than ${config.maxPagesPerPull} pages in one pull; raise sentinel.maxPagesPerPull`, { statusCode: 413 });
        const url: string = next;
        const body = await graph(`Graph GET /security/${resource}`, (api) => withPrefer(api.api(url)).get() as Promise<unknown>);
        const object = asObject(body);
        const value = object?.value;
        if (!Array.isArray(value)) throw new PlatformApiError(`Graph GET /security/${resource}: the answer has no value array`, { statusCode: 502 });
        items.push(...value.filter((item): item is Record<string, unknown> => asObject(item) !== undefined));
        next = typeof object?.['@odata.nextLink'] === 'string' ? object['@odata.nextLink'] : undefined;
      }
      return items;
    },
    async getGraph(resource, id) {
      const body = await graph(`Graph GET /security/${resource}/{id}`, (api) => withPrefer(api.api(`/security/${resource}/${encodeURIComponent(id)}`)).get() as Promise<unknown>);
      return asObject(body) ?? {};
    },
    // Graph JSON batching: POST /$batch {requests:[{id, method, url, headers, body, dependsOn}]} (at most 20).
    async batch(steps) {
      const requests = steps.map((step) => ({
        id: step.id,
        method: step.method,
        url: step.url,
        headers: { 'Content-Type': 'application/json', Prefer: 'include-unknown-enum-members' },
        ...(step.body === undefined ? {} : { body: step.body }),
        ...(step.dependsOn ? { dependsOn: step.dependsOn } : {}),
      }));
      await graph(
        'Graph POST /$batch',
        async (api) => {
          const answer = asObject(await api.api('/$batch').post({ requests }));
          const responses = Array.isArray(answer?.responses) ? answer.responses.map(asObject) : [];
          const failed = steps
            .map((step) => ({ step, response: responses.find((response) => response?.id === step.id) }))
            .filter(({ response }) => !response || typeof response.status !== 'number' || response.status >= 300);
          if (failed.length === 0) return;
          // A step that failed only because an earlier one did (424) is not the cause.
          const first = failed.find(({ response }) => response?.status !== 424) ?? failed[0]!;
          const status = typeof first.response?.status === 'number' ? first.response.status : 502;
          const headers = asObject(first.response?.headers);
          const error = asObject(asObject(first.response?.body)?.error);
          throw toPlatformApiError(
            {
              operation: `Graph $batch ${first.step.method} ${first.step.url.replace(/\/[^/]+(\/comments)?$/, '/{id}$1')}`,
              statusCode: status,
              retryAfter: typeof headers?.['Retry-After'] === 'string' ? headers['Retry-After'] : typeof headers?.['retry-after'] === 'string' ? headers['retry-after'] : null,
              ...(error ? { platformMessage: `${String(error.code)}: ${String(error.message)}` } : {}),
            },
            secrets,
          );
        },
        steps.length,
      );
    },
    // POST /security/{alerts_v2|incidents}/{id}/comments (200 with the whole comment list).
    async postComment(resource, id, body) {
      await graph(`Graph POST /security/${resource}/{id}/comments`, (api) => withPrefer(api.api(`/security/${resource}/${encodeURIComponent(id)}/comments`)).post(body) as Promise<unknown>);
    },
    // ARM: GET …/incidents?$filter=properties/lastModifiedTimeUtc ge …&$orderby=…&$top (nextLink paging).
    async listArmIncidents(since) {
      const items: Array<Record<string, unknown>> = [];
      let next: string | undefined =
        `/incidents?${new URLSearchParams({ $filter: `properties/lastModifiedTimeUtc ge ${since}`, $orderby: 'properties/lastModifiedTimeUtc asc', $top: String(config.pageSize) }).toString().replace(/\+/g, '%20')}`;
      for (let page = 0; next !== undefined; page += 1) {
        if (page >= config.maxPagesPerPull) throw new PlatformApiError(`Sentinel ARM list incidents: more than ${config.maxPagesPerPull} pages; raise sentinel.maxPagesPerPull`, { statusCode: 413 });
        const body = await arm('GET', next);
        const value = body?.value;
        if (!Array.isArray(value)) throw new PlatformApiError('Sentinel ARM list incidents: the answer has no value array', { statusCode: 502 });
        items.push(...value.filter((item): item is Record<string, unknown> => asObject(item) !== undefined));
        next = typeof body?.nextLink === 'string' ? body.nextLink : undefined;
      }
      return items;
    },
    async getArmIncident(name) {
      return (await arm('GET', `/incidents/${encodeURIComponent(name)}`)) ?? {};
    },
    // PUT …/incidents/{id} with the current etag; a stale one answers 412 or 409 (handled by the caller).
    async putArmIncident(name, body) {
      return (await arm('PUT', `/incidents/${encodeURIComponent(name)}`, body)) ?? {};
    },
    async getArmComment(incidentName, commentName) {
      return arm('GET', `/incidents/${encodeURIComponent(incidentName)}/comments/${encodeURIComponent(commentName)}`, undefined, true);
    },
    async putArmComment(incidentName, commentName, body) {
      await arm('PUT', `/incidents/${encodeURIComponent(incidentName)}/comments/${encodeURIComponent(commentName)}`, body);
    },
  };
}

/** A Graph client failure (GraphError, a credential error, a network error) as PlatformApiError. */
function graphFailure(operation: string, failure: unknown, secrets: readonly string[]): PlatformApiError {
  if (PlatformApiError.isInstance(failure)) return failure as PlatformApiError;
  const refused = entraRefusal(operation, failure, secrets);
  if (refused) return refused;
  const error = asObject(failure);
  const status = typeof error?.statusCode === 'number' && error.statusCode >= 100 ? error.statusCode : undefined;
  const headers = error?.headers as { get?: (name: string) => string | null } | undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : undefined;
  return toPlatformApiError(
    {
      operation,
      statusCode: status,
      retryAfter: typeof headers?.get === 'function' ? headers.get('retry-after') : null,
      ...(status !== undefined && (code || message) ? { platformMessage: `${code ?? 'error'}: ${message ?? ''}` } : {}),
      cause: status === undefined ? credentialFailure(failure) : undefined,
    },
    secrets,
  );
}

/**
 * Microsoft Entra refused the credential (an `AADSTS` error: wrong secret, unknown app or tenant,
 * certificate not registered): a configuration problem, reported as 401 and never retried.
 */
function entraRefusal(operation: string, failure: unknown, secrets: readonly string[]): PlatformApiError | undefined {
  const message = failure instanceof Error ? failure.message : typeof asObject(failure)?.message === 'string' ? String(asObject(failure)!.message) : '';
  const refusal = /(AADSTS\d+: [^.]*\.)/.exec(message);
  if (!refusal) return undefined;
  return toPlatformApiError({ operation: `${operation} (token)`, statusCode: 401, platformMessage: refusal[1]! }, secrets);
}

/** Credential errors name the cause without the request (which may carry the client secret). */
function credentialFailure(cause: unknown): Error | undefined {
  if (!(cause instanceof Error)) return undefined;
  return new Error(`${cause.name}: ${cause.message.split('\n')[0]}`);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined; // Not JSON: callers treat a missing object as an unreadable answer.
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
