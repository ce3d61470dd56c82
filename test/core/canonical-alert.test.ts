import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asCanonicalAlert } from '../../core/normalize/canonical-alert.js';
import { type AlertInput, AlertV1Schema } from '../../core/spec/alert.js';
import { sampleAlerts } from './sample-alerts.js';

// finalizeAlert's fast path returns a normalizer's alert as it is when the schema would return the
// same. Checked against the schema itself: whatever the fast path accepts, the schema accepts and
// returns equal, with the same keys in the same order (undefined values included).

/** The value as nested [key, value] lists: toEqual alone ignores key order and undefined keys. */
function layout(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(layout);
  if (typeof value !== 'object' || value === null) return value;
  return Object.keys(value).map((key) => [key, layout((value as Record<string, unknown>)[key])]);
}

function expectSameAsSchema(input: unknown): boolean {
  const fast = asCanonicalAlert(input as AlertInput);
  const parsed = AlertV1Schema.safeParse(input);
  if (fast === undefined) return false;
  expect(parsed.success).toBe(true);
  expect(layout(fast)).toEqual(layout(parsed.data));
  return true;
}

const odd = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.constant([]),
  fc.constant({}),
  fc.constantFrom('__proto__', 'host', 'ip', 'user', 'target', 'related', 'high', 'loud', 'T1059', 'T1059.001', 't1059', 'T123'),
  fc.constantFrom('2022-01-15T02:32:32.000Z', '2022-01-15T02:32:32Z', '2022-02-30T00:00:00.000Z', '2022-01-15T02:32:32+01:00', '2022-01-15 02:32:32Z', '+275760-09-13T00:00:00.000Z'),
);
/** Mostly a valid value, sometimes an odd one: a fully random alert would never reach the fast path. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: odd });
const text = mostly(fc.constantFrom('fox-2', 'mail', 'Wazuh'));
const record = mostly(fc.dictionary(fc.constantFrom('id', 'a', '1', 'b', 'c', 'constructor', '__proto__'), mostly(fc.string({ maxLength: 4 })), { maxKeys: 3 }));
const entity = mostly(
  fc.record({ kind: mostly(fc.constantFrom('host', 'ip', 'process')), value: text, role: mostly(fc.constantFrom('target', 'actor')), properties: record }, { requiredKeys: ['kind', 'value', 'role'] }),
);
const fields = {
  id: text,
  source: mostly(fc.record({ platform: text, product: text, nativeIds: record }, { requiredKeys: ['platform', 'nativeIds'] })),
  title: text,
  ruleName: text,
  ruleId: text,
  ruleAuthor: text,
  description: text,
  severity: mostly(fc.constantFrom('high', 'low')),
  time: mostly(fc.constantFrom('2022-01-15T02:32:32.000Z', '2024-02-29T23:59:59.999Z')),
  entities: mostly(fc.array(entity, { maxLength: 3 })),
  attack: mostly(fc.array(mostly(fc.constantFrom('T1059', 'T1110.001')), { maxLength: 2 })),
  category: text,
  fields: record,
  raw: odd,
};
const alert = fc.oneof(
  { weight: 4, arbitrary: fc.record(fields, { requiredKeys: ['id', 'source', 'title', 'ruleName', 'time', 'entities', 'attack', 'fields'] }) },
  { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
  // Keys the schema strips, at the top and in the source.
  { weight: 1, arbitrary: fc.record({ ...fields, unknownKey: odd }, { requiredKeys: ['id', 'source', 'title', 'ruleName', 'time', 'entities', 'attack', 'fields', 'unknownKey'] }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { ...fields, source: fc.record({ platform: text, nativeIds: record, extra: odd }) },
      { requiredKeys: ['id', 'source', 'title', 'ruleName', 'time', 'entities', 'attack', 'fields'] },
    ),
  },
);
/** The same keys in another order: the schema's output has its own order, so the fast path must refuse these. */
const shuffled = alert.chain((value) => fc.shuffledSubarray(Object.entries(value), { minLength: Object.keys(value).length }).map((entries) => Object.fromEntries(entries)));

describe('asCanonicalAlert (finalizeAlert fast path)', () => {
  it('takes every normalized sample alert as it is', () => {
    for (const sample of sampleAlerts()) {
      expect(asCanonicalAlert(sample)).toBe(sample);
      expectSameAsSchema(sample);
    }
  });

  it('accepts only what the schema accepts and returns unchanged', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(alert, shuffled), (input) => {
        if (expectSameAsSchema(input)) accepted += 1;
      }),
      { numRuns: 3000 },
    );
    // A generator that never reaches the fast path would make this test vacuous.
    expect(accepted).toBeGreaterThan(0);
  });

  it('refuses a sample alert that is one step away from what the schema returns', () => {
    const [sample] = sampleAlerts();
    const variants: unknown[] = [
      { ...sample, unknownKey: 1 },
      { ...sample, entities: undefined },
      { ...sample, time: '2022-01-15T03:32:32+01:00' },
      { ...sample, time: '2022-02-30T00:00:00.000Z' },
      { ...sample, entities: [{ kind: 'host', value: 'mail' }] },
      { ...sample, fields: JSON.parse('{"__proto__":"x"}') },
      { source: sample!.source, ...sample },
    ];
    for (const variant of variants) expect(asCanonicalAlert(variant as AlertInput)).toBeUndefined();
  });
});
