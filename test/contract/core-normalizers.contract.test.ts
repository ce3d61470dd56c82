import { join } from 'node:path';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { normalizeWithFieldMap } from '../../core/normalize/field-map-normalize.js';
import { isOcsfDetectionFinding, normalizeOcsfFinding } from '../../core/normalize/ocsf-normalize.js';
import type { Alert } from '../../core/spec/alert.js';
import { UnsupportedFeatureError } from '../../core/spec/errors.js';
import type { PlatformPluginV1 } from '../../core/spec/plugin.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../../scripts/eval/render-ait.js';
import { renderSigmaTest, SIGMA_EXPORT_FIELD_MAP } from '../../scripts/eval/render-sigma.js';
import { aitSample, BLIND_COUNT, sigmaSample } from './eval-sample.js';
import { runPluginContract, type ContractTest } from './plugin-contract.js';

/**
 * The core's own normalizers (OCSF Detection Finding, generic records through a field map) held to
 * the same contract as a platform plugin, each wrapped in a minimal PlatformPluginV1. Fixtures are
 * the eval's OCSF and generic renderings of the public data, exactly what `npm run eval` replays.
 */

function inputOnlyPlugin(platform: string, normalizeAlert: (native: unknown) => Alert, detect: (native: unknown) => boolean): PlatformPluginV1 {
  return {
    specificationVersion: 'v1',
    platform,
    capabilities: { pull: false, deliver: false, dispositions: false, search: false },
    detect,
    normalizeAlert,
    renderResult: () => {
      throw new UnsupportedFeatureError(`${platform} is an input format: there is no console to write a verdict back to`);
    },
  };
}

const INPUT_ONLY: Array<{ reason: string; tests: ContractTest[] }> = [
  {
    reason: 'an input format, not a console: nothing to render a verdict into (API clients read the TriageResult itself)',
    tests: ['renderPurity', 'renderValid', 'idempotencyKey'],
  },
  {
    reason: 'no transport: records are pushed or read from files, and the normalizer holds no config or secret',
    tests: ['retryable', 'notRetryable', 'givesUp', 'secrets'],
  },
];

const aitRows = await aitSample();
const sigmaTests = sigmaSample();
const sigmaVariants = [...sigmaTests.map((test) => ({ test, variant: 'full' as const })), ...sigmaTests.slice(0, BLIND_COUNT).map((test) => ({ test, variant: 'blind' as const }))];
const without = (record: unknown, ...fields: string[]) => Object.fromEntries(Object.entries(record as Record<string, unknown>).filter(([field]) => !fields.includes(field)));

const ocsf = [...aitRows.map((row) => renderAitRow(row, 'ocsf')), ...sigmaVariants.map(({ test, variant }) => renderSigmaTest(test, 'ocsf', variant))];
const ocsfFinding = ocsf[0] as Record<string, unknown>;
runPluginContract({
  name: 'ocsf (core)',
  createPlugin: () => inputOnlyPlugin('ocsf', normalizeOcsfFinding, isOcsfDetectionFinding),
  fixtures: {
    valid: ocsf,
    invalid: [
      { payload: 'a string', path: '' },
      { payload: { ...ocsfFinding, class_uid: 2003 }, path: 'class_uid' },
      { payload: without(ocsfFinding, 'time'), path: 'time' },
      { payload: { ...ocsfFinding, time: 'yesterday' }, path: 'time' },
      { payload: { ...ocsfFinding, finding_info: { uid: 'x' } }, path: 'title' },
    ],
  },
  goldenDir: join(import.meta.dirname, 'golden/ocsf'),
  skip: INPUT_ONLY,
});

const GENERIC_SKIPS: Array<{ reason: string; tests: ContractTest[] }> = [
  ...INPUT_ONLY,
  { reason: 'generic records are read through the field map the operator names (--map), never detected by shape', tests: ['detect'] },
];

const aitMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const aitRecord = renderAitRow(aitRows[0]!, 'generic');
runPluginContract({
  name: 'field map (core, AIT export)',
  createPlugin: () =>
    inputOnlyPlugin(
      'generic',
      (native) => normalizeWithFieldMap(native, aitMap),
      () => false,
    ),
  fixtures: {
    valid: aitRows.map((row) => renderAitRow(row, 'generic')),
    invalid: [
      { payload: 42, path: '' },
      { payload: without(aitRecord, 'time'), path: 'time' },
      { payload: { ...(aitRecord as object), time: 'yesterday' }, path: 'time' },
      { payload: without(aitRecord, 'name'), path: 'name' },
    ],
  },
  goldenDir: join(import.meta.dirname, 'golden/field-map-ait'),
  skip: GENERIC_SKIPS,
});

const sigmaMap = FieldMapSchema.parse(SIGMA_EXPORT_FIELD_MAP);
const sigmaRecord = renderSigmaTest(sigmaTests[0]!, 'generic', 'full') as Record<string, unknown>;
runPluginContract({
  name: 'field map (core, Sigma export)',
  createPlugin: () =>
    inputOnlyPlugin(
      'generic',
      (native) => normalizeWithFieldMap(native, sigmaMap),
      () => false,
    ),
  fixtures: {
    valid: sigmaVariants.map(({ test, variant }) => renderSigmaTest(test, 'generic', variant)),
    invalid: [
      { payload: [sigmaRecord], path: '' },
      { payload: without(sigmaRecord, 'time'), path: 'time' },
      { payload: { ...sigmaRecord, rule: without(sigmaRecord.rule, 'title') }, path: 'rule.title' },
    ],
  },
  goldenDir: join(import.meta.dirname, 'golden/field-map-sigma'),
  skip: GENERIC_SKIPS,
});
