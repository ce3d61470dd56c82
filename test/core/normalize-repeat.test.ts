import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldMapSchema, type FieldMap } from '../../core/config/config-schema.js';
import { ENTITIES_TRUNCATED_FIELD } from '../../core/enrich/entity-cap.js';
import { normalizeWithFieldMap } from '../../core/normalize/field-map-normalize.js';
import { createNormalizer } from '../../core/runtime/normalize-registry.js';

// A record that repeats one of the last few (a flood: same rule and host, new id and time) is built
// from the alert of the one it repeats. Whatever the sequence, every alert must equal what the full
// path builds from that record alone, and every error must be the full path's error.

const maps: Record<string, FieldMap> = {
  flat: FieldMapSchema.parse({
    id: 'id',
    title: 'name',
    time: 'time',
    timeFormat: 'auto',
    productPrefixSeparator: ':',
    severity: 'level',
    severityMap: { '1': 'low', urgent: 'critical' },
    entities: [
      { kind: 'host', path: 'host', role: 'target' },
      { kind: 'ip', path: 'ip', role: 'source' },
    ],
    keepFields: ['extra'],
  }),
  // The title is the time: two records with different times are different alerts.
  titleIsTime: FieldMapSchema.parse({ id: 'id', title: 'time', time: 'time', entities: [{ kind: 'host', path: 'host' }] }),
  // No id path: the id is a digest of the whole record.
  noId: FieldMapSchema.parse({ title: 'name', time: 'time', entities: [{ kind: 'host', path: 'host' }] }),
};

const contents = fc.constantFrom(
  { name: 'Wazuh: ClamAV database update', host: 'mail', ip: '10.0.0.1', level: 1 },
  { name: 'Wazuh: ClamAV database update', host: 'jonesmorgan_mail', ip: '10.0.0.2', level: 1 },
  { name: 'Suricata: ET SCAN Nmap', host: 'web', ip: '10.0.0.3', level: 'urgent' },
  { name: 'Suricata: ET SCAN Nmap', host: 'web', ip: '10.0.0.3', level: 'urgent', extra: 'kept' },
  { name: 'Nested', host: { name: 'web' }, ip: '10.0.0.3' },
  { name: '', host: 'web' },
);
const ids = fc.oneof(fc.stringMatching(/^[a-z]{1,8}-\d{1,4}$/), fc.constant(undefined), fc.constant(''), fc.constant('bad\u0000id'), fc.constant('x'.repeat(600)), fc.integer({ min: 1, max: 1e6 }));
const times = fc.oneof(
  fc.integer({ min: 1_600_000_000, max: 1_700_000_000 }),
  fc.constant('2022-01-23T16:01:47Z'),
  fc.constant('2022-01-23T18:01:47+02:00'),
  fc.constant('not a time'),
  fc.constant(undefined),
);
const records = fc.array(
  fc.tuple(contents, ids, times).map(([content, id, time]) => JSON.parse(JSON.stringify({ id, time, ...content })) as Record<string, unknown>),
  { minLength: 1, maxLength: 40 },
);

type Outcome = { alert: string } | { error: string };
function outcome(call: () => unknown): Outcome {
  try {
    return { alert: JSON.stringify(call()) };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message} ${JSON.stringify((error as { issues?: unknown }).issues)}` };
  }
}

describe('a repeated record is built from the alert of the one it repeats', () => {
  for (const [name, map] of Object.entries(maps)) {
    it(`equals the full path on any sequence (${name} map)`, () => {
      fc.assert(
        fc.property(records, (sequence) => {
          const shared = { ...map }; // a map object of its own: its templates start empty
          for (const record of sequence) {
            const fresh = { ...map }; // never seen a record: always the full path
            expect(outcome(() => normalizeWithFieldMap(record, shared))).toEqual(outcome(() => normalizeWithFieldMap(record, fresh)));
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('reuses the alert for a repeat, with its own id, time and raw record', () => {
    const map = { ...maps.flat! };
    const first = normalizeWithFieldMap({ id: 'a-1', time: 1642213952, name: 'Wazuh: x', host: 'mail', ip: '10.0.0.1' }, map);
    const secondRecord = { id: 'a-2', time: 1642213957, name: 'Wazuh: x', host: 'mail', ip: '10.0.0.1' };
    const second = normalizeWithFieldMap(secondRecord, map);
    expect(second.entities).toBe(first.entities); // the template's, not rebuilt
    expect(second).toMatchObject({ id: 'a-2', time: '2022-01-15T02:32:37.000Z', source: { nativeIds: { id: 'a-2' } } });
    expect(second.raw).toBe(secondRecord);
    expect(second.fields).toBe(first.fields);
  });

  it('keeps the entity cap of each alert when the cap changes the one it repeats', () => {
    const map = FieldMapSchema.parse({ id: 'id', title: 'name', time: 'time', entities: [{ kind: 'ip', path: 'ips' }] });
    // Arrays are not flat: the cap is tested with a flat record of several entity paths.
    const flatMap = FieldMapSchema.parse({
      id: 'id',
      title: 'name',
      time: 'time',
      entities: [
        { kind: 'ip', path: 'a' },
        { kind: 'ip', path: 'b' },
        { kind: 'ip', path: 'c' },
      ],
    });
    const normalizer = createNormalizer([], { maxEntitiesPerAlert: 2 });
    for (const id of ['r-1', 'r-2', 'r-3']) {
      const alert = normalizer.normalize({ id, time: 1642213952, name: 'n', a: '10.0.0.1', b: '10.0.0.2', c: '10.0.0.3' }, { platform: 'generic', fieldMap: flatMap });
      expect(alert.entities).toHaveLength(2);
      expect(alert.fields[ENTITIES_TRUNCATED_FIELD]).toBe('3');
    }
    expect(normalizer.normalize({ id: 'r-4', time: 1, name: 'n', ips: ['10.0.0.1'] }, { platform: 'generic', fieldMap: map }).entities).toHaveLength(1);
  });
});
