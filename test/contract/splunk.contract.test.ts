import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { TriageResult } from '../../core/spec/result.js';
import { createSplunkPlugin } from '../../plugins/splunk/index.js';
import { renderAitRow } from '../../scripts/eval/render-ait.js';
import { parseConf } from '../../scripts/package/conf-file.js';
import { DISPOSITION_LABELS, STATUS_LABELS } from '../emulators/splunk/emulator-state.js';
import { renderSigmaNotable, toNotable } from '../emulators/splunk/seed.js';
import { startSplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { triageWithDefaultEngine } from './contract-support.js';
import { aitSample, BLIND_COUNT, sigmaSample } from './eval-sample.js';
import { runPluginContract, type TransportHarness } from './plugin-contract.js';

/**
 * The Splunk add-on against the shared plugin contract. Fixtures are ES notables rendered from the
 * public eval data by the eval's own converters (test/emulators/splunk/seed.ts); the transport runs
 * against the Splunk emulator through the real splunk-sdk client.
 */

const ait = (await aitSample()).map((row) => toNotable(renderAitRow(row, 'splunk')));
const sigmaTests = sigmaSample();
const sigma = [...sigmaTests.map((test) => renderSigmaNotable(test, 'full')), ...sigmaTests.slice(0, BLIND_COUNT).map((test) => renderSigmaNotable(test, 'blind'))];
const [aitNotable, sigmaNotable] = [ait[0]!, sigma[0]!];
const without = (row: Record<string, unknown>, ...fields: string[]) => Object.fromEntries(Object.entries(row).filter(([field]) => !fields.includes(field)));

/** What Splunk accepts, per the emulator (ES disposition and status ids) and the app (KV fields). */
const collections = parseConf(readFileSync(resolve(import.meta.dirname, '../../manifests/splunk/verdict_app/default/collections.conf'), 'utf8'));
const kvFields = collections.stanzas
  .find((stanza) => stanza.name === 'verdict_results')!
  .settings.filter((setting) => setting.key.startsWith('field.'))
  .map((setting) => setting.key.slice('field.'.length));
const SplunkWriteBackSchema = z
  .strictObject({
    esVersion: z.literal(7),
    alertId: z.string().min(1),
    marker: z.string().regex(/^\[verdict:vk-[0-9a-f]{32}\]$/),
    isClosing: z.boolean(),
    // POST /services/notable_update form (ES 7): ruleUIDs repeatable, ids from the emulator's tables.
    notableUpdate: z.strictObject({
      ruleUIDs: z.array(z.string().min(1)).min(1),
      disposition: z.enum(Object.keys(DISPOSITION_LABELS) as [string, ...string[]]),
      comment: z.string().min(1),
      status: z.enum(Object.keys(STATUS_LABELS) as [string, ...string[]]).optional(),
    }),
    // HEC /services/collector/event: indexed `fields` take strings only.
    hecEvent: z.strictObject({
      time: z.number().finite().nonnegative(),
      source: z.string().min(1),
      sourcetype: z.string().min(1),
      index: z.string().min(1).optional(),
      event: z.record(z.string(), z.unknown()),
      fields: z.record(z.string(), z.string()),
    }),
    // A KV store row holds only fields declared in collections.conf, as scalars.
    kvRow: z
      .record(z.enum(['_key', ...kvFields] as [string, ...string[]]), z.union([z.string(), z.number().finite(), z.boolean()]))
      .refine((row) => typeof row._key === 'string' && row._key === row.idempotency_key, 'the KV _key is the idempotency key'),
  })
  .refine((payload) => payload.notableUpdate.comment.includes(payload.marker), 'the comment carries the retry marker');

const API_TOKEN = 'eyJ.contract-api-token-7f3c2b';
const HEC_TOKEN = '6c1e9a4d-contract-hec-token';
const PASSWORD = 'contract-Passw0rd-91';

/** Which requests each platform call makes first that a fault can hit without other effects. */
const CALL_PATHS: Record<string, RegExp> = {
  pull: /\/search\/jobs\/export$/,
  deliver: /\/notable_update$/,
  dispositions: /\/search\/jobs\/export$/,
};

const transport: TransportHarness = {
  async start() {
    const emulator = await startSplunkEmulator({ users: { verdict_svc: PASSWORD }, tokens: { [API_TOKEN]: 'verdict_svc' }, hecTokens: { [HEC_TOKEN]: {} } });
    emulator.state.addNotables(ait);
    const waits: number[] = [];
    const logs: string[] = [];
    const config = { baseUrl: emulator.url, auth: { token: API_TOKEN }, hecUrl: emulator.url, hecToken: HEC_TOKEN, initialEarliest: '0', indexLagSeconds: 0, maxRetries: 3, maxRetryDelayMs: 30_000 };
    const plugin = createSplunkPlugin(config, { sleep: async (milliseconds) => void waits.push(milliseconds), onRetry: (event) => void logs.push(JSON.stringify(event)) });
    const [triaged] = triageWithDefaultEngine([plugin.normalizeAlert(ait[0])]);
    let deliveries = 0;
    const delivery = (): TriageResult => {
      deliveries += 1; // a new verdict revision each time, so every call really writes
      return { ...triaged!, revision: deliveries };
    };
    return {
      plugin,
      secrets: [API_TOKEN, HEC_TOKEN, PASSWORD],
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
        emulator.injectFaults({ ...fault, match: CALL_PATHS[call]! });
      },
      invalidConfigs: [
        { ...config, baseUrl: 'splunk.example:8089' },
        { ...config, hecUrl: undefined },
        { ...config, auth: { token: API_TOKEN, scheme: 'Basic' } },
        { ...config, auth: { username: 'verdict_svc', password: PASSWORD, token: API_TOKEN } },
        { ...config, auth: { username: '', password: PASSWORD } },
        { ...config, pageSize: 0, hecToken: HEC_TOKEN },
      ],
      close: () => emulator.close(),
    };
  },
};

runPluginContract({
  name: 'splunk',
  createPlugin: (config?: unknown) => createSplunkPlugin(config),
  fixtures: {
    valid: [...ait, ...sigma, { preview: false, offset: 0, result: ait[1] }],
    invalid: [
      { payload: 'not a row', path: '' },
      { payload: [aitNotable], path: '' },
      { payload: null, path: '' },
      { payload: without(aitNotable, '_time'), path: '_time' },
      { payload: { ...aitNotable, _time: 'yesterday' }, path: '_time' },
      { payload: { ...aitNotable, _time: '99999999999999999' }, path: '_time' },
      { payload: without(sigmaNotable, 'rule_name', 'search_name'), path: 'rule_name' },
      { payload: { ...sigmaNotable, rule_name: '   ', search_name: '-' }, path: 'rule_name' },
    ],
  },
  goldenDir: join(import.meta.dirname, 'golden/splunk'),
  renderSchema: SplunkWriteBackSchema,
  transport,
});
