import { createHash } from 'node:crypto';
import type { FieldMap } from '../config/config-schema.js';
import { ATTACK_ID_PATTERN, EntityKindSchema, type Alert, type Entity, type EntityKind } from '../spec/alert.js';
import { InvalidAlertError } from '../spec/errors.js';
import { fromTemplate, rememberTemplate } from './repeat-template.js';
import { asString, finalizeAlert, parseSeverity, parseTime, pushEntity, readPath, readString, readStrings, withTypedErrors } from './finalize.js';

const ENTITY_KINDS: ReadonlySet<unknown> = new Set(EntityKindSchema.options);

/**
 * Generic JSON objects and CSV rows → Alert through a declarative field map, so any SIEM export
 * can be triaged without a plugin. The map is config; this function is pure.
 */
export function normalizeWithFieldMap(record: unknown, map: FieldMap, platform = 'generic'): Alert {
  return withTypedErrors(() => readMapped(record, map, platform));
}

function readMapped(record: unknown, map: FieldMap, platform: string): Alert {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new InvalidAlertError([{ path: '', message: 'each record must be a JSON object (or a CSV row with a header)' }]);
  }
  const repeated = fromTemplate(record, map, platform);
  if (repeated) return repeated;
  const rawTitle = readString(record, map.title);
  let title = rawTitle;
  let product = map.product ? readString(record, map.product) : undefined;
  if (rawTitle && map.productPrefixSeparator) {
    const at = rawTitle.indexOf(map.productPrefixSeparator);
    if (at > 0) {
      product ??= rawTitle.slice(0, at).trim();
      title = rawTitle.slice(at + map.productPrefixSeparator.length).trim() || rawTitle;
    }
  }
  const rawTime = readPath(record, map.time);
  const time = parseTime(rawTime, map.timeFormat);
  if (rawTime !== undefined && time === undefined) {
    throw new InvalidAlertError([{ path: map.time, message: 'not a time: write ISO 8601 or epoch seconds/milliseconds, or set fieldMap.timeFormat' }]);
  }
  const entities: Entity[] = [];
  for (const mapping of map.entities) {
    // The config schema names bad kinds at load time; a set lookup, not a schema parse, per alert.
    if (!ENTITY_KINDS.has(mapping.kind)) continue;
    const kind = mapping.kind as EntityKind;
    for (const { scope, prefix } of entityScopes(record, mapping.path)) {
      for (const value of readStrings(scope, mapping.path.slice(prefix.length))) {
        if (!mapping.properties) {
          pushEntity(entities, { kind, value, role: mapping.role });
          continue;
        }
        const properties: Record<string, string> = {};
        for (const [name, path] of Object.entries(mapping.properties)) {
          const property = path.startsWith(prefix) ? readString(scope, path.slice(prefix.length)) : readString(record, path);
          if (property !== undefined) properties[name] = property;
        }
        pushEntity(entities, { kind, value, role: mapping.role, properties });
      }
    }
  }
  const attack = map.attack
    ? readStrings(record, map.attack)
        .flatMap((value) => value.split(/[\s,;]+/))
        .map((value) => value.toUpperCase())
        .filter((value) => ATTACK_ID_PATTERN.test(value))
    : [];
  const fields: Record<string, string> = {};
  for (const path of map.keepFields) {
    const value = asString(readPath(record, path));
    if (value !== undefined) fields[path] = value;
  }
  for (const path of map.keepFieldsUnder) {
    const found = readPath(record, path);
    for (const object of Array.isArray(found) ? found : [found]) {
      if (object === null || typeof object !== 'object' || Array.isArray(object)) continue;
      for (const [key, value] of Object.entries(object)) {
        const text = asString(value);
        if (text !== undefined && fields[key] === undefined) fields[key] = text;
      }
    }
  }
  const ruleName = (map.ruleName ? readString(record, map.ruleName) : undefined) ?? rawTitle;
  const id = (map.id ? readString(record, map.id) : undefined) ?? digestId(record);
  const alert = finalizeMapped(map, {
    id,
    source: { platform, product, nativeIds: map.id && readString(record, map.id) ? { id } : {} },
    title: title ?? '',
    ruleName: ruleName ?? '',
    ruleId: map.ruleId ? readString(record, map.ruleId) : undefined,
    ruleAuthor: map.ruleAuthor ? readString(record, map.ruleAuthor) : undefined,
    description: map.description ? readString(record, map.description) : undefined,
    severity: map.severity ? parseSeverity(readPath(record, map.severity), map.severityMap) : undefined,
    time: time ?? '',
    entities,
    attack: attack.length < 2 ? attack : [...new Set(attack)],
    category: map.category ? readString(record, map.category) : undefined,
    fields,
    raw: record,
  });
  rememberTemplate(record, map, platform, alert);
  return alert;
}

/**
 * Where an entity path first passes through an array (`events.EventData.Image` through `events`),
 * each element is a scope of its own, so the second event's process takes its properties from the
 * second event rather than the first.
 */
function entityScopes(record: object, path: string): Array<{ scope: unknown; prefix: string }> {
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const found = readPath(record, path.slice(0, dot));
    if (Array.isArray(found)) return found.map((element) => ({ scope: element, prefix: path.slice(0, dot + 1) }));
  }
  return [{ scope: record, prefix: '' }];
}

/** Names the record's own field (`name → title`) so the operator knows what to fix in the export or map. */
function finalizeMapped(map: FieldMap, input: Parameters<typeof finalizeAlert>[0]): Alert {
  try {
    return finalizeAlert(input);
  } catch (error) {
    if (!(error instanceof InvalidAlertError)) throw error;
    const sourceOf: Record<string, string | undefined> = { title: map.title, ruleName: map.ruleName ?? map.title, time: map.time };
    throw new InvalidAlertError(
      error.issues.map((issue) => {
        const source = sourceOf[issue.path];
        return source ? { path: source, message: `${issue.message} (mapped to ${issue.path}); the record has no usable value there` } : issue;
      }),
    );
  }
}

function digestId(record: object): string {
  return `gen-${createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 16)}`;
}
