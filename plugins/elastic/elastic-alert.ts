import { z } from 'zod';
import { readPath } from '../../core/normalize/finalize.js';

/**
 * Native Elastic Security payloads, parsed leniently. An alert document is what the detection
 * engine writes into `.alerts-security.alerts-<space>` (specs/elastic/security-alert-fields.md):
 * `kibana.*` fields as flattened dotted keys in `_source`, ECS fields copied from the source event
 * either dotted or nested. A search hit wraps it as `{_id, _index, _source}`; both are accepted.
 */

/** One search hit of the alerts index (Elasticsearch `_search` / `signals/search` response). */
export const ElasticHitSchema = z.looseObject({
  _id: z.string().min(1),
  _index: z.string().optional(),
  _source: z.record(z.string(), z.unknown()),
  sort: z.array(z.unknown()).optional(),
});
export type ElasticHit = z.infer<typeof ElasticHitSchema>;

/** An alert as the plugin reads it: the document plus the ids of the hit that carried it. */
export interface ElasticAlertDocument {
  source: Record<string, unknown>;
  id?: string;
  index?: string;
}

/** Alert workflow states (detections spec: `AlertStatusExceptClosed` + `closed`). */
export const WorkflowStatusSchema = z.enum(['open', 'acknowledged', 'in-progress', 'closed']);
export type WorkflowStatus = z.infer<typeof WorkflowStatusSchema>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A hit or a bare `_source`; undefined when the payload is neither. */
export function unwrapAlertDocument(native: unknown): ElasticAlertDocument | undefined {
  if (!isRecord(native)) return undefined;
  if (isRecord(native._source)) {
    return {
      source: native._source,
      ...(typeof native._id === 'string' && native._id !== '' ? { id: native._id } : {}),
      ...(typeof native._index === 'string' && native._index !== '' ? { index: native._index } : {}),
    };
  }
  return { source: native };
}

/** `kibana.alert.uuid` of a document, dotted or nested. */
export function alertUuidOf(source: unknown): string | undefined {
  const value = readPath(source, 'kibana.alert.uuid');
  return typeof value === 'string' && value !== '' ? value : undefined;
}
