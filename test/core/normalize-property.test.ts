import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { normalizeWithFieldMap } from '../../core/normalize/field-map-normalize.js';
import { normalizeOcsfFinding } from '../../core/normalize/ocsf-normalize.js';
import { createNormalizer } from '../../core/runtime/normalize-registry.js';
import { AlertV1Schema } from '../../core/spec/alert.js';
import { InvalidAlertError, VerdictError } from '../../core/spec/errors.js';
import { AIT_EXPORT_FIELD_MAP } from '../../scripts/eval/render-ait.js';
import { SIGMA_EXPORT_FIELD_MAP } from '../../scripts/eval/render-sigma.js';

// Property: whatever arrives, a normalizer returns a valid Alert or throws InvalidAlertError —
// never a TypeError, RangeError or anything else a caller would have to treat as a crash.

const aitMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const sigmaMap = FieldMapSchema.parse(SIGMA_EXPORT_FIELD_MAP);
/** A map touching every option, severity map included (its keys meet record values). */
const everyOptionMap = FieldMapSchema.parse({
  ...SIGMA_EXPORT_FIELD_MAP,
  product: 'product',
  productPrefixSeparator: ':',
  timeFormat: 'auto',
  severityMap: { urgent: 'critical', '1': 'low' },
  keepFields: ['time', 'rule', 'events.System.EventID'],
});
const runtime = createNormalizer([]);

function assertTypedOrValid(call: () => unknown): void {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    if (!VerdictError.isInstance(error) || !(error instanceof InvalidAlertError)) throw error;
    expect(error.issues.length).toBeGreaterThan(0);
    return;
  }
  expect(AlertV1Schema.safeParse(result).success).toBe(true);
}

const normalizers: Array<[string, (input: unknown) => unknown]> = [
  ['normalizeOcsfFinding', normalizeOcsfFinding],
  ['normalizeWithFieldMap (AIT map)', (input) => normalizeWithFieldMap(input, aitMap)],
  ['normalizeWithFieldMap (Sigma map)', (input) => normalizeWithFieldMap(input, sigmaMap)],
  ['normalizeWithFieldMap (every option)', (input) => normalizeWithFieldMap(input, everyOptionMap)],
  ['runtime normalizer (detect)', (input) => runtime.normalize(input)],
  ['runtime normalizer (verdict)', (input) => runtime.normalize(input, { platform: 'verdict' })],
  ['runtime normalizer (ocsf)', (input) => runtime.normalize(input, { platform: 'ocsf' })],
  ['runtime normalizer (generic + map)', (input) => runtime.normalize(input, { fieldMap: sigmaMap })],
  ['runtime normalizer (unknown platform)', (input) => runtime.normalize(input, { platform: 'qradar' })],
];

/** Strings that have broken parsers before: prototype keys, time-like text, huge and odd numbers. */
const weirdString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'prototype',
    '',
    ' ',
    '\u0000',
    '\uD800',
    'NaN',
    '-0',
    '1e400',
    '9'.repeat(400),
    '2024-02-30T25:61:00Z',
    '0001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    'T1059.001',
    't1059',
    'Wazuh:',
    ':',
    'a.b.c',
  ),
);
const weirdNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 8.64e15, 8.64e15 + 1, -8.64e15, 1e11, 99_999_999_999, 2004, 0, -0),
);
const leaf = fc.oneof(weirdString, weirdNumber, fc.boolean(), fc.constant(null));
const key = fc.oneof(
  weirdString,
  fc.constantFrom(
    'class_uid',
    'time',
    'time_dt',
    'finding_info',
    'title',
    'name',
    'id',
    'host',
    'ip',
    'short',
    'rule',
    'events',
    'EventData',
    'System',
    'device',
    'evidences',
    'observables',
    'severity',
    'severity_id',
    'attacks',
    'technique',
    'uid',
    'unmapped',
    'rule_author',
    'finding_info.title',
    'source',
    'entities',
  ),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('tree'), { maxKeys: 8 }),
}));

/** Objects close to a real OCSF finding, so the property reaches past the first checks. */
const ocsfLike = fc.record(
  {
    class_uid: fc.oneof(fc.constant(2004), leaf),
    time: fc.oneof(weirdNumber, weirdString, fc.constant(1_642_723_347_000)),
    time_dt: weirdString,
    severity_id: fc.oneof(fc.integer({ min: -2, max: 9 }), leaf),
    severity: weirdString,
    finding_info: fc.record(
      { uid: tree, title: fc.oneof(weirdString, tree), analytic: tree, attacks: fc.oneof(tree, fc.array(fc.record({ technique: fc.record({ uid: weirdString }), sub_technique: tree }))), types: tree },
      { requiredKeys: [] },
    ),
    device: tree,
    evidences: fc.oneof(tree, fc.array(tree, { maxLength: 4 })),
    observables: fc.oneof(tree, fc.array(fc.record({ type_id: fc.oneof(fc.integer({ min: 0, max: 10 }), leaf), value: leaf }))),
    actor: tree,
    metadata: tree,
    unmapped: fc.oneof(tree, fc.record({ rule_author: leaf })),
  },
  { requiredKeys: ['class_uid'] },
);

/** Objects close to a generic Sigma / AIT export row. */
const exportLike = fc.record(
  {
    id: leaf,
    name: fc.oneof(weirdString, tree),
    time: fc.oneof(weirdNumber, weirdString, tree),
    host: fc.oneof(leaf, tree),
    ip: fc.oneof(leaf, tree),
    short: leaf,
    product: leaf,
    rule: fc.oneof(tree, fc.record({ title: weirdString, level: weirdString, author: leaf, techniques: fc.oneof(tree, fc.array(weirdString)) }, { requiredKeys: [] })),
    events: fc.oneof(tree, fc.array(fc.record({ System: tree, EventData: tree }, { requiredKeys: [] }), { maxLength: 4 })),
  },
  { requiredKeys: [] },
);

const anyInput = fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true, withSparseArray: true, withBoxedValues: true }), tree, ocsfLike, exportLike);

describe('normalizers throw nothing but InvalidAlertError', () => {
  for (const [name, normalize] of normalizers) {
    it(name, () => {
      fc.assert(
        fc.property(anyInput, (input) => assertTypedOrValid(() => normalize(input))),
        { numRuns: 400 },
      );
    });
  }

  it('the properties reach valid alerts too (the generators are not all rejected at the door)', () => {
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(ocsfLike, exportLike), (input) => {
        for (const normalize of [normalizeOcsfFinding, (value: unknown) => normalizeWithFieldMap(value, aitMap)]) {
          try {
            normalize(input);
            valid += 1;
          } catch (error) {
            if (!(error instanceof InvalidAlertError)) throw error;
          }
        }
      }),
      { numRuns: 400, seed: 7 },
    );
    expect(valid).toBeGreaterThan(20);
  });
});
