import path from 'node:path';
import { z } from 'zod';
import { formatPath } from '../../spec/zod-issues.js';
import { readJson, type LoadingFile } from './threat-intel-file.js';
import { canonicalIndicatorValue, IntelFormatError, type IndicatorKind, type IndicatorValue } from './threat-intel-indicator.js';

/** MISP attribute types Verdict can match, by entity kind. email-dst is left out: it names the victim. */
const MISP_TYPES: Record<string, IndicatorKind> = {
  'ip-src': 'ip',
  'ip-dst': 'ip',
  domain: 'domain',
  hostname: 'domain',
  url: 'url',
  md5: 'hash',
  sha1: 'hash',
  sha224: 'hash',
  sha256: 'hash',
  sha384: 'hash',
  sha512: 'hash',
  'email-src': 'email',
  email: 'email',
  'email-reply-to': 'email',
};
/** threat_level_id 1 high, 2 medium, 3 low (4 undefined uses the file's default confidence). */
const MISP_THREAT_CONFIDENCE: Record<string, number> = { '1': 90, '2': 70, '3': 50 };

const MispAttributeSchema = z.looseObject({
  type: z.string(),
  value: z.string(),
  uuid: z.string().optional(),
  comment: z.string().optional(),
  to_ids: z.union([z.boolean(), z.string(), z.number()]).optional(),
  deleted: z.union([z.boolean(), z.string(), z.number()]).optional(),
});
const MispEventSchema = z.looseObject({
  uuid: z.string().optional(),
  info: z.string().optional(),
  threat_level_id: z.union([z.string(), z.number()]).optional(),
  Attribute: z.array(MispAttributeSchema).default([]),
  Object: z.array(z.looseObject({ Attribute: z.array(MispAttributeSchema).default([]) })).default([]),
});

function isTrue(value: boolean | string | number | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value === true || value === 1 || value === '1' || value === 'true';
}

function loadMispEvent(document: unknown, file: LoadingFile, where: string): void {
  const parsed = MispEventSchema.safeParse((document as { Event?: unknown } | null)?.Event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = formatPath(issue?.path ?? []);
    throw new IntelFormatError(`${where}Event${field === '' ? '' : `.${field}`}: ${issue?.message ?? 'invalid'} (expected {"Event": {"Attribute": [...]}})`);
  }
  const event = parsed.data;
  const confidence = MISP_THREAT_CONFIDENCE[String(event.threat_level_id)] ?? file.defaultConfidence;
  const attributes = [...event.Attribute.map((attribute, index) => ({ attribute, at: `Attribute[${index}]` }))];
  event.Object.forEach((object, objectIndex) => {
    object.Attribute.forEach((attribute, index) => attributes.push({ attribute, at: `Object[${objectIndex}].Attribute[${index}]` }));
  });
  for (const { attribute, at } of attributes) {
    if (isTrue(attribute.deleted, false)) {
      file.skip('deleted');
      continue;
    }
    if (!isTrue(attribute.to_ids, true)) {
      file.skip('to_ids is false (not for detection)');
      continue;
    }
    // Composite types (domain|ip, filename|sha256, ip-dst|port) carry one value per part.
    const types = attribute.type.split('|');
    const values = attribute.value.split('|');
    const location = `${where}Event ${event.uuid ?? '(no uuid)'} ${at}${attribute.uuid ? ` (${attribute.uuid})` : ''}`;
    let matched = false;
    types.forEach((type, index) => {
      const kind = MISP_TYPES[type];
      const value = values[index];
      if (!kind || value === undefined) return;
      matched = true;
      let comparison: IndicatorValue;
      try {
        comparison = canonicalIndicatorValue(kind, value);
      } catch (error) {
        if (!IntelFormatError.isInstance(error)) throw error;
        throw new IntelFormatError(`${location} (type ${attribute.type}): ${error.message}`);
      }
      const label = [event.info, attribute.comment].filter((text) => text !== undefined && text !== '').join(' — ');
      file.add({ ...comparison, label, location, confidence, validFromMs: -Infinity, validUntilMs: Infinity, isBenign: false });
    });
    if (!matched) file.skip(`attribute type ${attribute.type}`);
  }
}

/** Reads a MISP event, a list or response of events, or a feed manifest.json and the events beside it. */
export function loadMisp(document: unknown, file: LoadingFile): void {
  if (Array.isArray(document)) {
    document.forEach((entry, index) => loadMispEvent(entry, file, `[${index}] `));
    return;
  }
  if (typeof document !== 'object' || document === null) throw new IntelFormatError('is not a MISP event: expected {"Event": {...}}');
  const record = document as Record<string, unknown>;
  if ('Event' in record) return loadMispEvent(record, file, '');
  if (Array.isArray(record.response)) {
    record.response.forEach((entry, index) => loadMispEvent(entry, file, `response[${index}] `));
    return;
  }
  // A feed manifest.json: {"<event uuid>": {"info": …}, …}; each event sits beside it as <uuid>.json.
  const entries = Object.entries(record);
  const isManifest = entries.length > 0 && entries.every(([, value]) => typeof value === 'object' && value !== null && 'info' in value);
  if (!isManifest) throw new IntelFormatError('is neither a MISP event ({"Event": {...}}) nor a feed manifest.json');
  for (const [uuid] of entries) {
    if (!/^[\w-]+$/.test(uuid)) throw new IntelFormatError(`manifest key "${uuid}" is not an event uuid`);
    const eventPath = path.join(path.dirname(file.absolutePath), `${uuid}.json`);
    loadMispEvent(readJson(eventPath, `manifest entry ${uuid}`), file, `${uuid}.json `);
  }
}
