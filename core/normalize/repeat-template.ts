import type { FieldMap } from '../config/config-schema.js';
import type { Alert } from '../spec/alert.js';
import { isStorableId, parseTime, readString } from './finalize.js';

/**
 * A SIEM flood repeats one alert with a new id and time: the same rule on the same host, many
 * times a second. When a flat record (every top-level value a string, number, boolean or null)
 * equals one of the last few records a field map read in every key but the id and time, the map
 * reads the same values from it, so its alert is that record's alert with the new id, time and
 * raw record. It shares the entities, fields and ATT&CK list, which nothing changes in place.
 * Building it from the template skips reading, building and validating everything else again;
 * the result is the alert the full path builds (a property test compares them).
 *
 * Only for maps that read the id and time from top-level keys no other mapping reads: otherwise
 * the alert would change in more than the id and time. Without an id path the id is a digest of
 * the whole record, so there is nothing to reuse.
 */
interface RepeatPlan {
  idKey: string;
  timeKey: string;
}

interface Template {
  record: Record<string, unknown>;
  keyCount: number;
  platform: string;
  alert: Alert;
}

/** Alternating hosts or rules in one flood still match: the last few distinct records are kept. */
const TEMPLATES_PER_MAP = 4;

const plans = new WeakMap<FieldMap, RepeatPlan | null>();
const templatesByMap = new WeakMap<FieldMap, Template[]>();

function planOf(map: FieldMap): RepeatPlan | null {
  let plan = plans.get(map);
  if (plan !== undefined) return plan;
  const otherPaths = [
    map.title,
    map.ruleName,
    map.ruleId,
    map.ruleAuthor,
    map.description,
    map.severity,
    map.product,
    map.category,
    map.attack,
    ...map.entities.flatMap((entity) => [entity.path, ...Object.values(entity.properties ?? {})]),
    ...map.keepFields,
    ...map.keepFieldsUnder,
  ].filter((path): path is string => path !== undefined);
  const readsElsewhere = (key: string): boolean => otherPaths.some((path) => path === key || path.startsWith(`${key}.`));
  plan = map.id === undefined || readsElsewhere(map.id) || readsElsewhere(map.time) ? null : { idKey: map.id, timeKey: map.time };
  plans.set(map, plan);
  return plan;
}

/** The alert of a record that repeats a remembered one but for its id and time; undefined otherwise. */
export function fromTemplate(record: object, map: FieldMap, platform: string): Alert | undefined {
  const plan = planOf(map);
  const templates = plan ? templatesByMap.get(map) : undefined;
  if (!plan || !templates) return undefined;
  for (let position = 0; position < templates.length; position += 1) {
    const template = templates[position]!;
    if (template.platform !== platform || !repeats(record as Record<string, unknown>, template, plan)) continue;
    // The id and time are read and checked as the full path does; anything unusual takes that path.
    const time = parseTime((record as Record<string, unknown>)[plan.timeKey], map.timeFormat);
    const id = readString(record, plan.idKey);
    if (time === undefined || id === undefined || !isStorableId(id)) return undefined;
    if (position > 0) {
      templates.splice(position, 1);
      templates.unshift(template);
    }
    const { alert } = template;
    return { ...alert, id, source: { ...alert.source, nativeIds: { id } }, time, raw: record };
  }
  return undefined;
}

/** Remembers a flat record and the alert the full path built from it. */
export function rememberTemplate(record: object, map: FieldMap, platform: string, alert: Alert): void {
  const plan = planOf(map);
  if (!plan) return;
  let keyCount = 0;
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    if (key === '__proto__' || !Object.hasOwn(record, key) || (typeof value === 'object' && value !== null)) return;
    keyCount += 1;
  }
  let templates = templatesByMap.get(map);
  if (!templates) templatesByMap.set(map, (templates = []));
  // A copy: what is done to the returned alert later (capping its entities replaces its entities
  // and fields) must not reach the template. Nothing changes an alert's fields or entities in place.
  templates.unshift({ record: record as Record<string, unknown>, keyCount, platform, alert: { ...alert } });
  if (templates.length > TEMPLATES_PER_MAP) templates.pop();
}

/** Same keys, and the same values in every key but the id and time (all flat: values compare with ===). */
function repeats(record: Record<string, unknown>, template: Template, plan: RepeatPlan): boolean {
  let keyCount = 0;
  for (const key in record) {
    keyCount += 1;
    if (!Object.hasOwn(template.record, key) || !Object.hasOwn(record, key)) return false;
    if (key === plan.idKey || key === plan.timeKey) continue;
    const value = record[key];
    if ((typeof value === 'object' && value !== null) || value !== template.record[key]) return false;
  }
  return keyCount === template.keyCount;
}
