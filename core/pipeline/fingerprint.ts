import type { Alert, Entity } from '../spec/alert.js';

/** Entity kinds that identify "the same thing happening again". Command lines vary too much. */
const KEY_KINDS = new Set(['host', 'user', 'ip', 'domain', 'url', 'hash', 'email', 'file', 'registry', 'cloud_resource']);

/**
 * Group stage (pure): rule + key entities + time bucket. Two alerts with one fingerprint are the
 * same event repeating, so the later one may reuse the earlier verdict.
 */
export function fingerprintAlert(alert: Alert, bucketSeconds: number, timeMs = Date.parse(alert.time)): string {
  const bucket = Math.floor(timeMs / 1000 / bucketSeconds);
  // A flood fingerprints the same few rules and entities alert after alert: reuse one of theirs.
  for (let position = 0; position < recent.length; position += 1) {
    const seen = recent[position]!;
    if (bucket === seen.bucket && alert.ruleName === seen.ruleName && sameKeyEntities(alert.entities, seen.entityParts)) return seen.fingerprint;
  }
  const keys: string[] = [];
  for (const entity of alert.entities) {
    if (KEY_KINDS.has(entity.kind)) keys.push(`${entity.kind}=${entity.value.toLowerCase()}`);
    else if (entity.kind === 'process') keys.push(`image=${(entity.properties?.image ?? '').toLowerCase()}`);
  }
  sortStrings(keys);
  const fingerprint = hash96(`${alert.ruleName.toLowerCase()}\u0000${keys.join('\u0001')}\u0000${bucket}`);
  recent.unshift({ bucket, ruleName: alert.ruleName, entityParts: alert.entities.flatMap(entityParts), fingerprint });
  if (recent.length > RECENT_FINGERPRINTS) recent.pop();
  return fingerprint;
}

/** A flood alternating between a few hosts or rules still hits. */
const RECENT_FINGERPRINTS = 4;
/** The last alerts fingerprinted, newest first, by value (a caller may change an alert's entities in place). */
const recent: Array<{ bucket: number; ruleName: string; entityParts: string[]; fingerprint: string }> = [];

/** What the fingerprint reads of an entity: kind, value and, of a process, its image. */
function entityParts(entity: Entity): string[] {
  return [entity.kind, entity.value, entity.properties?.image ?? ''];
}

function sameKeyEntities(entities: readonly Entity[], parts: readonly string[]): boolean {
  if (entities.length * 3 !== parts.length) return false;
  for (let index = 0; index < entities.length; index += 1) {
    const entity = entities[index]!;
    if (entity.kind !== parts[index * 3] || entity.value !== parts[index * 3 + 1] || (entity.properties?.image ?? '') !== parts[index * 3 + 2]) return false;
  }
  return true;
}

/** In place, by UTF-16 code units as Array#sort does; insertion sort, because Array#sort allocates over 1 kB per call and a fingerprint has a few keys. */
function sortStrings(values: string[]): void {
  for (let index = 1; index < values.length; index += 1) {
    const value = values[index]!;
    let at = index;
    while (at > 0 && values[at - 1]! > value) {
      values[at] = values[at - 1]!;
      at -= 1;
    }
    values[at] = value;
  }
}

/**
 * 96-bit non-cryptographic hash (three 32-bit FNV-1a-style lanes with different seeds), hex.
 * Fingerprints group alerts; they are not a security boundary, and this runs on every alert.
 */
export function hash96(text: string): string {
  // A flood hashes the same text alert after alert.
  if (text === lastText) return lastHash;
  let first = 0x811c9dc5;
  let second = 0x01000193 ^ 0x5bd1e995;
  let third = 0x9e3779b9;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x5bd1e995);
    third = Math.imul(third ^ code, 0x85ebca6b);
  }
  second = Math.imul(second ^ (second >>> 15), 0xc2b2ae35);
  third = Math.imul(third ^ (third >>> 13), 0x27d4eb2f);
  lastText = text;
  lastHash = hex8(first) + hex8(second) + hex8(third);
  return lastHash;
}

let lastText: string | undefined;
let lastHash = '';
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex8(value: number): string {
  return HEX_BYTES[(value >>> 24) & 0xff]! + HEX_BYTES[(value >>> 16) & 0xff]! + HEX_BYTES[(value >>> 8) & 0xff]! + HEX_BYTES[value & 0xff]!;
}

/** The rule and entities without the time bucket: the key memory and suppressions use. */
export function ruleKey(alert: Pick<Alert, 'ruleName'>): string {
  return alert.ruleName.toLowerCase();
}
