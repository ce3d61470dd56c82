import { z } from 'zod';

/** What kind of thing an entity is. One id per kind, used in fingerprints, memory keys and renders. */
export const EntityKindSchema = z.enum(['user', 'host', 'ip', 'domain', 'url', 'hash', 'process', 'file', 'registry', 'email', 'cloud_resource']);
export type EntityKind = z.infer<typeof EntityKindSchema>;

/** The part an entity played in the alert. `actor` did it, `target` had it done to. */
export const EntityRoleSchema = z.enum(['actor', 'target', 'source', 'destination', 'related']);
export type EntityRole = z.infer<typeof EntityRoleSchema>;

export const EntitySchema = z.object({
  kind: EntityKindSchema,
  /** The canonical value: host name, address, user name, command line for a process, path for a file. */
  value: z.string().min(1),
  role: EntityRoleSchema.default('related'),
  /** Extra facts about the entity (process image and parent, hash algorithm, email header fields). */
  properties: z.record(z.string(), z.string()).optional(),
});
export type Entity = z.infer<typeof EntitySchema>;

export const SeveritySchema = z.enum(['informational', 'low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;

export const ATTACK_ID_PATTERN = /^T\d{4}(\.\d{3})?$/;
export const AttackIdSchema = z.string().regex(ATTACK_ID_PATTERN, 'an ATT&CK technique id looks like T1059 or T1059.001');

export const AlertSourceSchema = z.object({
  /** Platform id of the plugin that normalized it: splunk, elastic, sentinel, soar, ocsf, generic. */
  platform: z.string().min(1),
  /** The detector or product that raised it (Wazuh, Suricata, Sysmon, Defender…). */
  product: z.string().optional(),
  /** Native identifiers needed to write the verdict back (event_id, _id + _index, alert id…). */
  nativeIds: z.record(z.string(), z.string()).default({}),
});

export const AlertV1Schema = z.object({
  id: z.string().min(1),
  source: AlertSourceSchema,
  title: z.string().min(1),
  ruleName: z.string().min(1),
  ruleId: z.string().optional(),
  /** Kept because the Detection Rule License requires the rule author with every match shown. */
  ruleAuthor: z.string().optional(),
  description: z.string().optional(),
  /** Unset when the source has none; a missing severity carries no information. */
  severity: SeveritySchema.optional(),
  /** ISO 8601 time the alert was raised. */
  time: z.string().datetime({ offset: true }),
  entities: z.array(EntitySchema).default([]),
  /** ATT&CK technique ids the detection rule declares. */
  attack: z.array(AttackIdSchema).default([]),
  /** Log source category of the rule (process_creation, dns, web…), when known. */
  category: z.string().optional(),
  /** Flat event fields kept for enrichers (event id, registry value, user agent…). */
  fields: z.record(z.string(), z.string()).default({}),
  raw: z.unknown().optional(),
});
export type AlertV1 = z.infer<typeof AlertV1Schema>;
export type Alert = AlertV1;
/** Input shape before defaults apply (what a normalizer builds). */
export type AlertInput = z.input<typeof AlertV1Schema>;
