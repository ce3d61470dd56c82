import { z } from 'zod';

/**
 * Native Splunk payloads, parsed leniently: Splunk returns every field value as a string (numbers
 * too) and multivalue fields as arrays of strings; unknown fields are kept.
 *
 * Shapes follow the search export endpoint with `output_mode=json` (one
 * `{"preview":false,"offset":N,"result":{…}}` object per line) and the Enterprise Security
 * `notable` macro fields (platforms.md §1.5, unconfirmed: no official example payload exists).
 */
export const SplunkFieldValueSchema = z.union([z.string(), z.array(z.string()), z.number(), z.boolean(), z.null()]);
export type SplunkFieldValue = z.infer<typeof SplunkFieldValueSchema>;

/** One search result row: flat field names (dots allowed, e.g. `annotations.mitre_attack`). */
export const SplunkResultRowSchema = z.record(z.string(), SplunkFieldValueSchema);
export type SplunkResultRow = z.infer<typeof SplunkResultRowSchema>;

/** An ES 7 notable as the `notable` macro yields it. `event_id` is `<guid>@@notable@@<md5>`. */
export const SplunkNotableSchema = SplunkResultRowSchema;
export type SplunkNotable = SplunkResultRow;

/** One line of search/jobs/export output. */
export const SplunkExportLineSchema = z.looseObject({
  preview: z.boolean().optional(),
  offset: z.number().optional(),
  lastrow: z.boolean().optional(),
  result: SplunkResultRowSchema.optional(),
  messages: z.array(z.looseObject({ type: z.string().optional(), text: z.string().optional() })).optional(),
});
export type SplunkExportLine = z.infer<typeof SplunkExportLineSchema>;

/**
 * An ES 8 finding (`GET …/public/v2/findings`). `finding_id` is the ref id
 * `<uuid>@@notable@@time<epoch>`; the rest mirrors notable fields (unconfirmed: the ES 8 OpenAPI
 * is published only as a download).
 */
export const SplunkFindingSchema = z.looseObject({
  finding_id: z.string().min(1),
  rule_title: z.string().optional(),
  rule_description: z.string().optional(),
  security_domain: z.string().optional(),
  risk_object: SplunkFieldValueSchema.optional(),
  risk_object_type: SplunkFieldValueSchema.optional(),
  risk_score: SplunkFieldValueSchema.optional(),
  owner: z.string().optional(),
  status: SplunkFieldValueSchema.optional(),
  urgency: z.string().optional(),
  disposition: z.string().optional(),
});
export type SplunkFinding = z.infer<typeof SplunkFindingSchema>;

/** The findings list answer; accepted as a bare array or wrapped in `items`/`findings`. */
export const SplunkFindingListSchema = z.union([z.array(z.unknown()), z.looseObject({ items: z.array(z.unknown()) }), z.looseObject({ findings: z.array(z.unknown()) })]);

/** One incident-review history row (`incident_review_lookup`): an analyst or API change. */
export const SplunkReviewRowSchema = z.looseObject({
  rule_id: z.string().min(1),
  time: z.union([z.string(), z.number()]),
  status: z.union([z.string(), z.number()]).optional(),
  disposition: z.string().optional(),
  comment: z.string().optional(),
  owner: z.string().optional(),
  user: z.string().optional(),
  reviewer: z.string().optional(),
  urgency: z.string().optional(),
  rule_name: z.string().optional(),
});
export type SplunkReviewRow = z.infer<typeof SplunkReviewRowSchema>;

/** Splunk and Sysmon write `-` for "no value"; it is never a real host, user or path. */
const EMPTY_MARKERS = new Set(['', '-']);

/** The first value of a field, as a trimmed non-empty string. */
export function firstValue(row: SplunkResultRow, field: string): string | undefined {
  const value = row[field];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === null || first === undefined) return undefined;
  const text = String(first).trim();
  return EMPTY_MARKERS.has(text) ? undefined : text;
}

/** Every non-empty value of a field, in order, without duplicates. */
export function allValues(row: SplunkResultRow, field: string): string[] {
  const value = row[field];
  const list = Array.isArray(value) ? value : value === null || value === undefined ? [] : [String(value)];
  return [...new Set(list.map((item) => item.trim()).filter((item) => !EMPTY_MARKERS.has(item)))];
}
