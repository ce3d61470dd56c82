import { join } from 'node:path';
import { z } from 'zod';
import type { TriageResult } from '../../core/spec/result.js';
import { createSentinelPlugin } from '../../plugins/sentinel/index.js';
import { renderGraphAitRow, renderGraphSigmaTest } from '../../scripts/eval/render-graph.js';
import { sigmaEventTime } from '../../scripts/eval/sigma-source.js';
import { validateArmBody } from '../emulators/microsoft/arm-schema.js';
import { enumMembers, validateGraphValue } from '../emulators/microsoft/graph-schema.js';
import { asCsdlEntity, CLIENT_SECRET, openArmIncident, readFixture, startTenant, withoutODataType } from '../sentinel/sentinel-harness.js';
import { triageWithDefaultEngine } from './contract-support.js';
import { aitSample, BLIND_COUNT, sigmaSample } from './eval-sample.js';
import { runPluginContract, type TransportHarness } from './plugin-contract.js';

/**
 * The Sentinel / Defender XDR add-on against the shared plugin contract. Fixtures: the real Graph
 * (`alerts_v2` get, incidents `$expand=alerts`, incident get with the doc example's PascalCase) and
 * ARM (incident get, list) examples, plus eval items rendered as Graph alerts by the eval's own
 * renderer. Rendered write-backs are checked against the CSDL and Incidents.json; the transport
 * runs the real Graph client and @azure/identity against the Microsoft emulator.
 */

const graphAlert = readFixture('graph-security-alert-v2.get.json');
const expandedIncident = readFixture<{ value: Array<Record<string, unknown>> }>('graph-security-incidents.list-expand-alerts.json').value[0]!;
const pascalIncident = readFixture('graph-security-incident.get.json');
const armIncident = readFixture('sentinel-incident.get.json');
const armListed = readFixture<{ value: Array<Record<string, unknown>> }>('sentinel-incidents.list.json').value[0]!;
const ait = (await aitSample()).map(renderGraphAitRow);
const sigmaTests = sigmaSample();
const sigmaTime = (index: number): string => (sigmaTests[index]!.events[0] ? sigmaEventTime(sigmaTests[index]!.events[0]!) : new Date(0).toISOString());
const sigma = [
  ...sigmaTests.map((test, index) => renderGraphSigmaTest(test, 'full', sigmaTime(index))),
  ...sigmaTests.slice(0, BLIND_COUNT).map((test, index) => renderGraphSigmaTest(test, 'blind', sigmaTime(index))),
];
const without = (record: Record<string, unknown>, ...fields: string[]) => Object.fromEntries(Object.entries(record).filter(([field]) => !fields.includes(field)));

/** What Graph and ARM accept, read from the CSDL and Incidents.json (not restated here). */
const issuesAsZod = (issues: Array<{ path: string; message: string }>, context: z.RefinementCtx): void => {
  for (const issue of issues) context.addIssue({ code: 'custom', message: `${issue.path}: ${issue.message}` });
};
const SentinelWriteBackSchema = z
  .strictObject({
    resource: z.enum(['alerts_v2', 'incidents', 'armIncident']),
    nativeId: z.string().min(1),
    alertId: z.string().min(1),
    marker: z.string().regex(/^\[verdict:vk-[0-9a-f]{32}\]$/),
    isClosing: z.boolean(),
    graph: z
      .strictObject({
        patch: z.strictObject({
          classification: z.enum(enumMembers('alertClassification')).optional(),
          determination: z.enum(enumMembers('alertDetermination')).optional(),
          status: z.enum([...enumMembers('alertStatus'), ...enumMembers('incidentStatus')]).optional(),
        }),
        tags: z.array(z.string().min(1)),
        comment: z.strictObject({ '@odata.type': z.literal('#microsoft.graph.security.alertComment'), comment: z.string().min(1) }),
      })
      .optional(),
    arm: z
      .strictObject({
        labels: z.array(z.string().min(1).max(256)),
        properties: z.record(z.string(), z.unknown()),
        comment: z.strictObject({ name: z.uuid(), properties: z.strictObject({ message: z.string().min(1).max(30_000) }) }),
      })
      .optional(),
  })
  .superRefine((payload, context) => {
    if ((payload.resource === 'armIncident') !== (payload.arm !== undefined) || (payload.arm === undefined) === (payload.graph === undefined))
      context.addIssue({ code: 'custom', message: 'an ARM incident renders arm, a Graph alert or incident renders graph' });
    if (payload.graph) {
      const type = payload.resource === 'incidents' ? 'incident' : 'alert';
      issuesAsZod(validateGraphValue({ ...payload.graph.patch, ...(type === 'incident' ? { customTags: payload.graph.tags } : {}) }, type, { mode: 'write' }), context);
      issuesAsZod(validateGraphValue(payload.graph.comment, 'alertComment', { mode: 'write' }), context);
      if (!payload.graph.comment.comment.includes(payload.marker)) context.addIssue({ code: 'custom', message: 'the comment carries the retry marker' });
    }
    if (payload.arm) {
      const body = {
        etag: '"0300bf09-0000-0000-0000-5c37296e0000"',
        properties: { title: 't', severity: 'High', status: 'Active', ...payload.arm.properties, labels: payload.arm.labels.map((labelName) => ({ labelName })) },
      };
      issuesAsZod(validateArmBody(body, 'Incident'), context);
      issuesAsZod(validateArmBody({ properties: payload.arm.comment.properties }, 'IncidentComment'), context);
      if (!payload.arm.comment.properties.message.includes(payload.marker)) context.addIssue({ code: 'custom', message: 'the ARM comment carries the retry marker' });
    }
  });

/** Which request each platform call makes first (a fault there has no other effect). */
const CALL_FAULTS: Record<string, { match: RegExp; method: string }> = {
  pull: { match: /^\/security\/alerts_v2$/, method: 'GET' },
  deliver: { match: /^\/security\/alerts_v2\/[^/]+$/, method: 'GET' },
  dispositions: { match: /^\/security\/alerts_v2$/, method: 'GET' },
};

const transport: TransportHarness = {
  async start() {
    const tenant = await startTenant();
    tenant.emulator.state.addAlerts([withoutODataType(graphAlert)]);
    tenant.emulator.state.addIncident(asCsdlEntity(expandedIncident));
    tenant.emulator.state.addArmIncident(openArmIncident());
    const waits: number[] = [];
    const logs: string[] = [];
    const config = { ...tenant.config, sources: { alerts: true, incidents: true, armIncidents: true }, maxRetries: 3, maxRetryDelayMs: 30_000 };
    const plugin = createSentinelPlugin(config, { sleep: async (milliseconds) => void waits.push(milliseconds), onRetry: (event) => void logs.push(JSON.stringify(event)) });
    const [triaged] = triageWithDefaultEngine([plugin.normalizeAlert(graphAlert)]);
    let deliveries = 0;
    const delivery = (): TriageResult => {
      deliveries += 1; // a new revision each time, so every call really writes
      return { ...triaged!, revision: deliveries };
    };
    return {
      plugin,
      secrets: [CLIENT_SECRET],
      maxRetries: config.maxRetries,
      waits,
      logs,
      calls: {
        pull: () => plugin.pullAlerts!(undefined),
        deliver: () => {
          const result = delivery();
          return plugin.deliverResult!(plugin.renderResult(result), result);
        },
        dispositions: () => plugin.readDispositions!(new Date(0).toISOString()),
      },
      failNext(call, fault) {
        tenant.emulator.clearFaults();
        tenant.emulator.injectFaults({ ...fault, ...CALL_FAULTS[call]! });
      },
      invalidConfigs: [
        { ...config, clientId: 'verdict-app' },
        { ...config, authorityHost: 'http://login.example.com' },
        { ...config, auth: { clientSecret: CLIENT_SECRET, certificatePath: '/tmp/app.pem' } },
        { ...config, auth: { clientSecret: '' }, graphEndpoint: CLIENT_SECRET },
        { ...config, sources: { alerts: false, incidents: false, armIncidents: false } },
        { ...config, sources: { armIncidents: true }, sentinelWorkspace: undefined },
        { ...config, pageSize: 0, writeClassification: 'yes' },
      ],
      close: () => tenant.close(),
    };
  },
};

runPluginContract({
  name: 'sentinel',
  createPlugin: (config?: unknown) => createSentinelPlugin(config),
  fixtures: {
    valid: [graphAlert, expandedIncident, armIncident, ait[0]!, pascalIncident, armListed, ...ait.slice(1), ...sigma],
    invalid: [
      { payload: 'not an alert', path: '' },
      { payload: null, path: '' },
      { payload: [graphAlert], path: '' },
      { payload: without(graphAlert, 'createdDateTime', 'firstActivityDateTime'), path: 'createdDateTime' },
      { payload: { ...graphAlert, createdDateTime: 'yesterday', firstActivityDateTime: null }, path: 'createdDateTime' },
      { payload: { ...graphAlert, title: '   ' }, path: 'title' },
      { payload: without(graphAlert, 'id'), path: 'id' },
      { payload: { ...graphAlert, mitreTechniques: 'T1059' }, path: 'mitreTechniques' },
      { payload: without(expandedIncident, 'displayName'), path: 'displayName' },
      { payload: { ...armIncident, properties: without(armIncident.properties as Record<string, unknown>, 'title') }, path: 'properties.title' },
      {
        payload: { ...armIncident, properties: { ...(armIncident.properties as Record<string, unknown>), createdTimeUtc: 'soon', firstActivityTimeUtc: undefined } },
        path: 'properties.createdTimeUtc',
      },
    ],
  },
  goldenDir: join(import.meta.dirname, 'golden/sentinel'),
  renderSchema: SentinelWriteBackSchema,
  transport,
});
