import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformApiError, VerdictError } from '../../core/spec/errors.js';
import { createSentinelPlugin } from '../../plugins/sentinel/index.js';
import { renderGraphAitRow } from '../../scripts/eval/render-graph.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { readFileSync } from 'node:fs';
import { createTestPki, type TestPki } from '../emulators/microsoft/tls.js';
import { loadAitRows } from '../eval-data.js';
import { triageWithDefaultEngine } from '../contract/contract-support.js';
import { asCsdlEntity, CLIENT_ID, CLIENT_SECRET, openArmIncident, readFixture, startTenant, TENANT_ID, withoutODataType, type Tenant } from './sentinel-harness.js';

/**
 * The transport against the Microsoft emulator, in process: both credential kinds of
 * @azure/identity (secret, certificate → signed client assertion), errors that name the cause
 * without the secret, Graph's evolvable enums, and the emulator's own strictness (what the real
 * APIs refuse, it refuses with their error bodies).
 */

describe('Sentinel transport on the Microsoft emulator', () => {
  let pki: TestPki;
  let tenant: Tenant;
  let dispatcher: Agent;
  const graph = async (method: string, path: string, token: string, body?: unknown, prefer = true) => {
    const response = await undiciFetch(`${tenant.emulator.graphUrl}/v1.0${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(prefer ? { Prefer: 'include-unknown-enum-members' } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      dispatcher,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const appToken = async (): Promise<string> => {
    const response = await undiciFetch(`${tenant.emulator.loginUrl}/${TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: `${tenant.emulator.graphUrl}/.default` }),
      dispatcher,
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    pki = createTestPki();
    dispatcher = new Agent({ connect: { ca: readFileSync(pki.caFile, 'utf8') } });
    tenant = await startTenant({ pki });
    const rows = await loadAitRows('russellmitchell', { distinct: true, limit: 5 });
    tenant.emulator.state.addAlerts(rows.map((row) => withoutODataType(renderGraphAitRow(row))));
    tenant.emulator.state.addAlerts([withoutODataType(readFixture('graph-security-alert-v2.get.json'))]);
  }, 60_000);
  afterAll(async () => {
    await tenant?.close();
    await dispatcher?.close();
    pki?.cleanup();
  });

  it('pulls with a certificate credential: @azure/identity signs a client assertion the token endpoint verifies', async () => {
    const plugin = createSentinelPlugin({ ...tenant.config, auth: { certificatePath: pki.clientPemFile }, sources: { alerts: true, incidents: false }, pageSize: 2 });
    const page = await plugin.pullAlerts!(undefined);
    expect(page.alerts).toHaveLength(6);
    expect(tenant.emulator.tokens.requests.filter((request) => request.grant === 'assertion')).toEqual([{ clientId: CLIENT_ID, grant: 'assertion', ok: true }]);
    // Sent with Prefer: include-unknown-enum-members, the evolvable member shows as itself.
    expect(new Set(page.alerts.map((alert) => (alert as { serviceSource: string }).serviceSource))).toEqual(new Set(['microsoftSentinel', 'microsoftDefenderForEndpoint']));
  });

  it('a page size over what Graph takes for incidents (50) still pulls them', async () => {
    const incidents = tenant.emulator.state;
    const example = asCsdlEntity(readFixture<{ value: Array<Record<string, unknown>> }>('graph-security-incidents.list-expand-alerts.json').value[0]!);
    incidents.addIncident({ ...example, id: 'page-size-incident', alerts: [] });
    const plugin = createSentinelPlugin({ ...tenant.config, sources: { alerts: false, incidents: true }, pageSize: 200 });
    const page = await plugin.pullAlerts!(undefined);
    expect(page.alerts.map((incident) => (incident as { id: string }).id)).toContain('page-size-incident');
    const lists = tenant.emulator.requests.filter((request) => request.path === '/security/incidents' && request.method === 'GET');
    expect(lists.at(-1)!.status).toBe(200);
  });

  it('a wrong secret fails at once with the Entra error, never the secret', async () => {
    const wrong = 'Wr0ng~secret.value-1234567890';
    const waits: number[] = [];
    const plugin = createSentinelPlugin(
      { ...tenant.config, auth: { clientSecret: wrong }, sources: { alerts: true, incidents: false } },
      { sleep: async (milliseconds) => void waits.push(milliseconds) },
    );
    const error = await plugin.pullAlerts!(undefined).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(VerdictError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'PlatformApiError', statusCode: 401, isRetryable: false });
    expect((error as Error).message).toMatch(/AADSTS7000215/);
    expect(JSON.stringify(error) + String((error as Error).stack) + String((error as Error).cause)).not.toContain(wrong);
    expect(waits).toEqual([]);
  });

  it('a missing Graph permission is named, with the permission to grant', async () => {
    const readOnly = await startTenant({ pki, graphRoles: ['SecurityAlert.Read.All'] });
    try {
      readOnly.emulator.state.addAlerts([withoutODataType(readFixture('graph-security-alert-v2.get.json'))]);
      const plugin = createSentinelPlugin({ ...readOnly.config, sources: { alerts: false, incidents: true } });
      const error = await plugin.pullAlerts!(undefined).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(PlatformApiError);
      expect(error).toMatchObject({ statusCode: 403, isRetryable: false });
      expect((error as Error).message).toMatch(/SecurityIncident\.ReadWrite\.All/);
    } finally {
      await readOnly.close();
    }
  });

  it('a stale etag refused with 409 Conflict (not 412) is resolved by reading the incident again too', async () => {
    const plugin = createSentinelPlugin({ ...tenant.config, sources: { alerts: false, incidents: false, armIncidents: true } });
    const incident = tenant.emulator.state.addArmIncident({ ...openArmIncident(), name: 'c0ffee00-0000-4000-8000-000000000409' });
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert({ ...readFixture<Record<string, unknown>>('sentinel-incident.get.json'), name: incident.name, properties: incident.properties })]);
    tenant.emulator.armHooks.staleEtagStatus = 409;
    tenant.emulator.armHooks.beforePut.set(incident.name, () => void tenant.emulator.state.analystArmUpdate(incident.name, { severity: 'Low' }));
    try {
      const firstRequest = tenant.emulator.requests.length;
      await plugin.deliverResult!(plugin.renderResult(result!), result!);
      const puts = tenant.emulator.requests.slice(firstRequest).filter((request) => request.service === 'arm' && request.method === 'PUT' && request.path.endsWith(incident.name));
      expect(puts.map((request) => request.status)).toEqual([409, 200]);
      expect(tenant.emulator.state.armIncidents.get(incident.name)!.properties.severity, "the analyst's change survives").toBe('Low');
      expect(tenant.emulator.state.armIncidents.get(incident.name)!.comments.size).toBe(1);
    } finally {
      tenant.emulator.armHooks.staleEtagStatus = undefined;
    }
  });

  it('the emulator hides evolvable members without Prefer, and refuses what Graph refuses with OData error bodies', async () => {
    const token = await appToken();
    const id = 'da637578995287051192_756343937';
    const plain = await graph('GET', '/security/alerts_v2?$top=50', token, undefined, false);
    expect(plain.body.value.filter((alert: { serviceSource: string }) => alert.serviceSource === 'unknownFutureValue').length).toBe(5);
    const pascal = await graph('PATCH', `/security/alerts_v2/${id}`, token, { classification: 'TruePositive' });
    expect(pascal.status).toBe(400);
    expect(pascal.body.error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/'TruePositive' is not a member of alertClassification/) });
    expect(Object.keys(pascal.body.error.innerError)).toEqual(expect.arrayContaining(['date', 'request-id', 'client-request-id']));
    expect((await graph('PATCH', `/security/alerts_v2/${id}`, token, { customTags: ['x'] })).status, 'alerts have no customTags').toBe(400);
    expect((await graph('GET', '/security/incidents?$top=51', token)).status, '$top over 50').toBe(400);
    expect((await graph('GET', "/security/alerts_v2?$filter=title eq 'x'", token)).status).toBe(400);
    expect((await graph('POST', `/security/alerts_v2/${id}/comments`, token, { comment: '' })).status).toBe(400);
    const comment = await graph('POST', `/security/alerts_v2/${id}/comments`, token, { '@odata.type': '#microsoft.graph.security.alertComment', comment: 'checked by hand' });
    expect(comment.status).toBe(200);
    expect(comment.body.value.at(-1)).toMatchObject({ comment: 'checked by hand', createdByDisplayName: 'Verdict triage' });
    const headerless = await graph('POST', '/$batch', token, { requests: [{ id: '1', method: 'POST', url: `/security/alerts_v2/${id}/comments`, body: { comment: 'x' } }] });
    expect(headerless.status, 'a batched write needs its Content-Type').toBe(400);
    expect(headerless.body.error.message).toMatch(/^Write request id : 1 does not contain Content-Type header or body\.$/);
    const unauthenticated = await graph('GET', '/security/alerts_v2', 'not-a-token');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.error.code).toBe('InvalidAuthenticationToken');
  });
});
