import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TriageResult } from '../../core/spec/result.js';
import { createElasticPlugin } from '../../plugins/elastic/index.js';
import { renderAitKibana, renderSigmaKibana } from '../../scripts/eval/render-kibana.js';
import { startElasticEmulator } from '../emulators/elastic/elastic-emulator.js';
import { casesSpec, detectionsSpec } from '../emulators/elastic/spec-validator.js';
import { triageWithDefaultEngine } from './contract-support.js';
import { aitSample, BLIND_COUNT, sigmaSample } from './eval-sample.js';
import { runPluginContract, type TransportHarness } from './plugin-contract.js';

/**
 * The Elastic add-on against the shared plugin contract. Fixtures: the one real alert hit the
 * Kibana OpenAPI documents publish (an attack-discovery alert, shared/fixtures/elastic), and
 * Kibana alert documents rendered from the public eval data by the eval's own converter
 * (scripts/eval/render-kibana.ts), bare and wrapped as search hits. Rendered write-backs are
 * checked against the detections and cases OpenAPI documents; the transport runs against the
 * Elasticsearch + Kibana emulator through the real @elastic/elasticsearch client.
 */

const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures/elastic');
const attackDiscoveryHit = (JSON.parse(readFileSync(join(FIXTURES, 'kibana-attacks-search.response.json'), 'utf8')) as { hits: { hits: unknown[] } }).hits.hits[0]!;
const ait = (await aitSample()).map(renderAitKibana);
const sigmaTests = sigmaSample();
const sigma = [...sigmaTests.map((test) => renderSigmaKibana(test, 'full')), ...sigmaTests.slice(0, BLIND_COUNT).map((test) => renderSigmaKibana(test, 'blind'))];
const [aitAlert, sigmaAlert] = [ait[0]!, sigma[0]!];
const asHit = (source: Record<string, unknown>) => ({ _index: '.internal.alerts-security.alerts-default-000001', _id: String(source['kibana.alert.uuid']), _score: 1, _source: source });
const without = (document: Record<string, unknown>, ...fields: string[]) => Object.fromEntries(Object.entries(document).filter(([field]) => !fields.includes(field)));

/** A body that one operation of a Kibana OpenAPI document accepts. */
const specBody = (spec: ReturnType<typeof detectionsSpec>, method: string, path: string) =>
  z.unknown().superRefine((body, context) => {
    const check = spec.checkRequest(method, path, body);
    for (const error of check.errors) context.addIssue({ code: 'custom', message: `${method} ${path}: ${error}` });
  });

const ElasticWriteBackSchema = z
  .strictObject({
    alertId: z.string().min(1),
    alertIndex: z.string().min(1),
    keys: z.strictObject({ tags: z.string(), status: z.string(), caseComment: z.string(), document: z.string() }),
    marker: z.string().regex(/^\[verdict:vk-[0-9a-f]{32}\]$/),
    isClosing: z.boolean(),
    tags: specBody(detectionsSpec(), 'POST', '/api/detection_engine/signals/tags'),
    status: specBody(detectionsSpec(), 'POST', '/api/detection_engine/signals/status').optional(),
    caseGroup: z.strictObject({ tag: z.string().min(1), create: specBody(casesSpec(), 'POST', '/api/cases') }),
    alertAttachment: specBody(casesSpec(), 'POST', '/api/cases/{caseId}/comments'),
    comment: specBody(casesSpec(), 'POST', '/api/cases/{caseId}/comments').and(z.object({ comment: z.string().min(1).max(30_000) })),
    dataStream: z.string().regex(/^logs-verdict\.triage-[a-z0-9_]+$/),
    // ECS: an enrichment event linked to the alert, Verdict's fields under verdict.*.
    document: z.looseObject({
      '@timestamp': z.iso.datetime(),
      event: z.looseObject({ kind: z.literal('enrichment') }),
      kibana: z.strictObject({ alert: z.strictObject({ uuid: z.string().min(1) }) }),
      rule: z.looseObject({ name: z.string() }),
      verdict: z.looseObject({ verdict: z.enum(['true_positive', 'benign_positive', 'false_positive', 'inconclusive']), confidence: z.number(), delivery_key: z.string() }),
    }),
  })
  .refine((payload) => payload.comment.comment.includes(payload.marker), 'the case comment carries the retry marker')
  .refine((payload) => {
    const { tags } = payload.tags as { tags: { tags_to_add: string[]; tags_to_remove: string[] } };
    return tags.tags_to_add.every((tag) => !tags.tags_to_remove.includes(tag));
  }, 'a tag is never added and removed in one request');

const API_KEY = Buffer.from('vk1d:contract-elastic-api-key-5e8a').toString('base64');
const PASSWORD = 'contract-Elastic-Passw0rd';

/** The first request of each platform call, which a fault can hit without other effects. */
const CALL_PATHS: Record<string, RegExp> = {
  pull: /^\/\.alerts-security\.alerts-default\/_pit$/,
  deliver: /^\/logs-verdict\.triage-default\/_search$/,
  dispositions: /^\/\.alerts-security\.alerts-default\/_search$/,
};

const transport: TransportHarness = {
  async start() {
    const emulator = await startElasticEmulator({ users: { verdict_svc: { password: PASSWORD, roles: ['verdict_connector'] } }, apiKeys: { [API_KEY]: 'verdict_svc' } });
    emulator.addAlerts(ait);
    const waits: number[] = [];
    const logs: string[] = [];
    const config = {
      elasticsearchUrl: emulator.elasticsearchUrl,
      kibanaUrl: emulator.kibanaUrl,
      auth: { apiKey: API_KEY },
      indexLagSeconds: 0,
      initialLookbackSeconds: 10 * 365 * 86_400,
      maxRetries: 3,
      maxRetryDelayMs: 30_000,
    };
    const plugin = createElasticPlugin(config, { sleep: async (milliseconds) => void waits.push(milliseconds), onRetry: (event) => void logs.push(JSON.stringify(event)) });
    const [triaged] = triageWithDefaultEngine([plugin.normalizeAlert(ait[0])]);
    let deliveries = 0;
    const delivery = (): TriageResult => {
      deliveries += 1; // a new revision each time, so every call really writes
      return { ...triaged!, revision: deliveries };
    };
    return {
      plugin,
      secrets: [API_KEY, PASSWORD],
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
        emulator.clearFaults();
        emulator.injectFaults({ ...fault, server: 'elasticsearch', match: CALL_PATHS[call]! });
      },
      invalidConfigs: [
        { ...config, elasticsearchUrl: 'es.example:9200' },
        { ...config, kibanaUrl: undefined },
        { ...config, auth: { apiKey: API_KEY, username: 'verdict_svc' } },
        { ...config, auth: { username: 'verdict_svc', password: PASSWORD, apiKey: API_KEY } },
        { ...config, auth: { username: '', password: PASSWORD } },
        { ...config, space: 'Default Space', auth: { username: 'verdict_svc', password: PASSWORD } },
        { ...config, kibanaVersion: 'nine', auth: { apiKey: API_KEY } },
      ],
      close: () => emulator.close(),
    };
  },
};

runPluginContract({
  name: 'elastic',
  createPlugin: (config?: unknown) => createElasticPlugin(config),
  fixtures: {
    valid: [...ait, ...sigma, attackDiscoveryHit, asHit(ait[1]!), asHit(sigma[1]!)],
    invalid: [
      { payload: 'not a document', path: '' },
      { payload: [aitAlert], path: '' },
      { payload: null, path: '' },
      { payload: without(aitAlert, '@timestamp', 'kibana.alert.original_time'), path: '@timestamp' },
      { payload: { ...aitAlert, '@timestamp': 'yesterday', 'kibana.alert.original_time': 'yesterday' }, path: '@timestamp' },
      { payload: without(sigmaAlert, 'kibana.alert.rule.name'), path: 'kibana.alert.rule.name' },
      { payload: { ...sigmaAlert, 'kibana.alert.rule.name': '   ' }, path: 'kibana.alert.rule.name' },
      { payload: without(aitAlert, 'kibana.alert.uuid'), path: 'kibana.alert.uuid' },
      { payload: { _id: 'x', _source: 'not an object' }, path: 'kibana.alert.uuid' },
    ],
  },
  goldenDir: join(import.meta.dirname, 'golden/elastic'),
  renderSchema: ElasticWriteBackSchema,
  transport,
});
