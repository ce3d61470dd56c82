import { ATTACK_ID_PATTERN, AlertV1Schema, EntityKindSchema, EntityRoleSchema, SeveritySchema, type Alert, type AlertInput } from '../spec/alert.js';

/**
 * The fast path of finalizeAlert. A normalizer usually hands over an alert that is already exactly
 * what AlertV1Schema would return: every key in the schema's order, no unknown key, defaults
 * written out, every value valid. Such an input is returned as it is, without a schema parse (the
 * parse cost more than the rest of normalization). Anything else, however harmless, returns
 * undefined and goes through the schema, which builds the same alert or names the bad field; so
 * this function may be strict but must never accept what the schema rejects or would change.
 * test/core/canonical-alert.test.ts checks it against the schema.
 */
export function asCanonicalAlert(input: AlertInput): Alert | undefined {
  if (!isPlainRecord(input) || !hasShapeKeys(input, ALERT_KEYS)) return undefined;
  const alert = input as Record<string, unknown>;
  if (!isText(alert.id) || !isText(alert.title) || !isText(alert.ruleName)) return undefined;
  if (!isOptionalString(alert, 'ruleId') || !isOptionalString(alert, 'ruleAuthor') || !isOptionalString(alert, 'description') || !isOptionalString(alert, 'category')) return undefined;
  if ('severity' in alert && alert.severity !== undefined && !SEVERITIES.has(alert.severity)) return undefined;
  if (!isSource(alert.source) || !isTime(alert.time) || !isStringRecord(alert.fields)) return undefined;
  if (!Array.isArray(alert.attack) || !Array.isArray(alert.entities)) return undefined;
  for (const id of alert.attack as unknown[]) if (typeof id !== 'string' || !ATTACK_ID_PATTERN.test(id)) return undefined;
  for (const entity of alert.entities as unknown[]) if (!isEntity(entity)) return undefined;
  return input as Alert;
}

/** The schema's keys in its order, and which of them may be absent (optional, not defaulted: a default must be written out). */
const ALERT_KEYS = shapeKeys(AlertV1Schema.shape, ['entities', 'attack', 'fields']);
const SOURCE_KEYS = shapeKeys(AlertV1Schema.shape.source.shape, ['nativeIds']);
const ENTITY_KEYS = shapeKeys(AlertV1Schema.shape.entities.unwrap().element.shape, ['role']);
const ENTITY_KINDS: ReadonlySet<unknown> = new Set(EntityKindSchema.options);
const ENTITY_ROLES: ReadonlySet<unknown> = new Set(EntityRoleSchema.options);
const SEVERITIES: ReadonlySet<unknown> = new Set(SeveritySchema.options);

interface ShapeKeys {
  names: readonly string[];
  isOptional: readonly boolean[];
}

function shapeKeys(shape: Record<string, { _zod: { optin?: unknown } }>, defaulted: readonly string[]): ShapeKeys {
  const names = Object.keys(shape);
  return { names, isOptional: names.map((name) => shape[name]!._zod.optin === 'optional' && !defaulted.includes(name)) };
}

/** Own keys in the schema's order (absent optional ones skipped), nothing else: what the schema's output would hold. */
function hasShapeKeys(object: object, keys: ShapeKeys): boolean {
  let next = 0;
  for (const key in object) {
    while (next < keys.names.length && keys.names[next] !== key) {
      if (!keys.isOptional[next]) return false;
      next += 1;
    }
    if (next === keys.names.length || !Object.hasOwn(object, key)) return false;
    next += 1;
  }
  for (; next < keys.names.length; next += 1) if (!keys.isOptional[next]) return false;
  return true;
}

/** A plain object, as the schema accepts and copies it (no class instance, no array). */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isOptionalString(object: Record<string, unknown>, key: string): boolean {
  return !(key in object) || object[key] === undefined || typeof object[key] === 'string';
}

/** Strings only; `__proto__` and symbol keys are dropped or refused by the schema, so they go through it. */
function isStringRecord(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  for (const key in value) if (key === '__proto__' || !Object.hasOwn(value, key) || typeof value[key] !== 'string') return false;
  return Object.getOwnPropertySymbols(value).length === 0;
}

function isSource(value: unknown): boolean {
  if (!isPlainRecord(value) || !hasShapeKeys(value, SOURCE_KEYS)) return false;
  return isText(value.platform) && isOptionalString(value, 'product') && isStringRecord(value.nativeIds);
}

function isEntity(value: unknown): boolean {
  if (!isPlainRecord(value) || !hasShapeKeys(value, ENTITY_KEYS)) return false;
  if (!ENTITY_KINDS.has(value.kind) || !isText(value.value) || !ENTITY_ROLES.has(value.role)) return false;
  return !('properties' in value) || value.properties === undefined || isStringRecord(value.properties);
}

/** The last time the schema accepted: a flood's alerts share a second, and the datetime pattern is long. */
let lastValidTime: string | undefined;

/** UTC times only: finalizeAlert rewrites any other offset, which the schema path does. */
function isTime(value: unknown): boolean {
  if (typeof value !== 'string' || !value.endsWith('Z')) return false;
  if (value === lastValidTime) return true;
  if (!AlertV1Schema.shape.time.safeParse(value).success) return false;
  lastValidTime = value;
  return true;
}
