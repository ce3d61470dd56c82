import { ATTACK_ID_PATTERN, type Alert, type AlertInput, type Entity } from '../../core/spec/alert.js';
import { InvalidAlertError, type FieldIssue } from '../../core/spec/errors.js';
import { finalizeAlert } from '../../core/normalize/finalize.js';
import {
  ARM_INCIDENT_TYPE,
  ArmIncidentSchema,
  GRAPH_ALERT_TYPE,
  GRAPH_INCIDENT_TYPE,
  GraphAlertSchema,
  GraphIncidentSchema,
  stringsOf,
  type ArmIncident,
  type GraphAlert,
  type GraphIncident,
} from './sentinel-alert.js';
import { readEvidence, type AddEntity } from './sentinel-evidence.js';

/**
 * Graph security alert (alerts_v2), Graph incident (with `$expand=alerts`) and Sentinel ARM
 * incident → Alert. Pure. Workflow state (classification, determination, status, comments, tags)
 * never enters `fields`: neither the analyst's decision nor Verdict's own earlier write may feed
 * back into a verdict.
 */

/** Alert ids of incidents carry a prefix so an incident and an alert never share an id. */
export const GRAPH_INCIDENT_ID_PREFIX = 'incident-';
export const ARM_INCIDENT_ID_PREFIX = 'sentinel-incident-';

/** Custom-details keys that describe the rule, not the event: the author (Sigma DRL attribution) and log source category. */
const RULE_AUTHOR_KEY = 'RuleAuthor';
const CATEGORY_KEY = 'LogSourceCategory';

/**
 * Event fields an analytic rule surfaces as custom details (Sysmon names) that Graph evidence has
 * no property for: they complete the entity of the same event (the process with that command line,
 * the registry key, the file).
 */
const PROCESS_DETAILS: Record<string, string> = {
  ParentCommandLine: 'parentCommandLine',
  Hashes: 'hashes',
  OriginalFileName: 'originalFileName',
  IntegrityLevel: 'integrityLevel',
  CurrentDirectory: 'currentDirectory',
};

type Kind = 'alert' | 'incident' | 'armIncident';

function kindOf(native: unknown): Kind | undefined {
  if (typeof native !== 'object' || native === null || Array.isArray(native)) return undefined;
  const record = native as Record<string, unknown>;
  const odataType = typeof record['@odata.type'] === 'string' ? record['@odata.type'] : '';
  if (record.type === ARM_INCIDENT_TYPE || (typeof record.id === 'string' && /\/providers\/Microsoft\.SecurityInsights\/incidents\/[^/]+$/i.test(record.id))) return 'armIncident';
  if (odataType === GRAPH_ALERT_TYPE || odataType.endsWith('.security.alert')) return 'alert';
  if (odataType === GRAPH_INCIDENT_TYPE || odataType === '#microsoft.graph.incident') return 'incident';
  if ('evidence' in record || 'serviceSource' in record || 'detectionSource' in record) return 'alert';
  if ('displayName' in record && ('alerts' in record || 'incidentWebUrl' in record || 'customTags' in record)) return 'incident';
  return undefined;
}

export function looksLikeSentinelAlert(native: unknown): boolean {
  const kind = kindOf(native);
  const record = native as Record<string, unknown>;
  return kind !== undefined && typeof record.id === 'string' && (kind === 'armIncident' ? typeof record.properties === 'object' : true);
}

export function normalizeSentinelAlert(native: unknown): Alert {
  const kind = kindOf(native);
  if (kind === undefined) {
    throw new InvalidAlertError([{ path: '', message: 'expected a Graph security alert, a Graph incident or a Sentinel ARM incident (a JSON object with @odata.type, or an ARM resource)' }]);
  }
  if (kind === 'armIncident') return normalizeArmIncident(native);
  if (kind === 'incident') return normalizeGraphIncident(native);
  return normalizeGraphAlert(native);
}

function schemaIssues(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

function requireTime(value: string | null | undefined, path: string, issues: FieldIssue[]): string | undefined {
  const millis = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(millis) || Math.abs(millis) > 8.64e15) {
    issues.push({ path, message: 'missing or unreadable; expected an ISO 8601 DateTimeOffset such as 2021-04-27T12:19:27.7211305Z' });
    return undefined;
  }
  return new Date(millis).toISOString();
}

function requireText(value: string | null | undefined, path: string, issues: FieldIssue[]): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  issues.push({ path, message: 'missing or empty' });
  return undefined;
}

/** Graph and ARM severities (either casing) → Verdict severity. `unknown` carries nothing. */
function severityOf(value: string | null | undefined): Alert['severity'] {
  const lower = value?.toLowerCase();
  return lower === 'informational' || lower === 'low' || lower === 'medium' || lower === 'high' ? lower : undefined;
}

function techniquesOf(values: unknown[]): string[] {
  return [
    ...new Set(
      values
        .flatMap(stringsOf)
        .map((id) => id.trim().toUpperCase())
        .filter((id) => ATTACK_ID_PATTERN.test(id)),
    ),
  ];
}

function entityCollector(): { entities: Entity[]; add: AddEntity } {
  const entities: Entity[] = [];
  const index = new Map<string, Entity>();
  const add: AddEntity = (kind, value, role, properties) => {
    if (value === undefined || value.trim() === '') return;
    const key = `${kind}\u0000${value.toLowerCase()}\u0000${role}`;
    const defined = Object.fromEntries(Object.entries(properties ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
    const existing = index.get(key);
    if (existing) {
      // The same thing named by two evidence items: keep every fact, the first value wins.
      if (Object.keys(defined).length > 0) existing.properties = { ...defined, ...existing.properties };
      return;
    }
    const entity: Entity = Object.keys(defined).length > 0 ? { kind, value: value.trim(), role, properties: defined } : { kind, value: value.trim(), role };
    index.set(key, entity);
    entities.push(entity);
  };
  return { entities, add };
}

/** Scalars of Graph's `additionalData` / `customDetails` dictionaries (Sentinel custom details are string arrays). */
function detailFields(...dictionaries: Array<Record<string, unknown> | null | undefined>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const dictionary of dictionaries) {
    for (const [key, value] of Object.entries(dictionary ?? {})) {
      if (key === RULE_AUTHOR_KEY || key === CATEGORY_KEY || key.startsWith('@odata')) continue;
      const scalar = Array.isArray(value) ? value[0] : value;
      if (typeof scalar === 'string' && scalar.trim() !== '') fields[key] ??= scalar.trim();
      else if ((typeof scalar === 'number' && Number.isFinite(scalar)) || typeof scalar === 'boolean') fields[key] ??= String(scalar);
    }
  }
  return fields;
}

function completeFromDetails(entities: Entity[], fields: Record<string, string>): Entity[] {
  return entities.map((entity) => {
    const extra: Record<string, string> = {};
    if (entity.kind === 'process' && (fields.CommandLine === undefined || fields.CommandLine === entity.properties?.commandLine)) {
      for (const [field, property] of Object.entries(PROCESS_DETAILS)) if (fields[field] !== undefined && entity.properties?.[property] === undefined) extra[property] = fields[field]!;
    }
    if ((entity.kind === 'registry' || entity.kind === 'file') && fields.Image !== undefined) extra.image = fields.Image;
    if (entity.kind === 'registry' && fields.EventType !== undefined) extra.eventType = fields.EventType;
    return Object.keys(extra).length === 0 ? entity : { ...entity, properties: { ...entity.properties, ...extra } };
  });
}

function ruleAuthorOf(alert: GraphAlert, key = RULE_AUTHOR_KEY): string | undefined {
  for (const dictionary of [alert.customDetails, alert.additionalData]) {
    const value = dictionary?.[key];
    const scalar = Array.isArray(value) ? value[0] : value;
    if (typeof scalar === 'string' && scalar.trim() !== '') return scalar.trim();
  }
  return undefined;
}

function parseOrThrow<T>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } },
  native: unknown,
): T {
  const parsed = schema.safeParse(native);
  if (!parsed.success) throw new InvalidAlertError(schemaIssues(parsed.error));
  return parsed.data;
}

function normalizeGraphAlert(native: unknown): Alert {
  const alert: GraphAlert = parseOrThrow(GraphAlertSchema, native);
  const issues: FieldIssue[] = [];
  const time = requireTime(alert.createdDateTime ?? alert.firstActivityDateTime, 'createdDateTime', issues);
  const title = requireText(alert.title, 'title', issues);
  if (issues.length > 0 || time === undefined || title === undefined) throw new InvalidAlertError(issues);
  const { entities, add } = entityCollector();
  for (const evidence of alert.evidence ?? []) readEvidence(evidence, add);
  const fields = detailFields(alert.customDetails, alert.additionalData);
  const nativeIds: Record<string, string> = { resource: 'alerts_v2', alertId: alert.id };
  if (alert.incidentId) nativeIds.incidentId = alert.incidentId;
  if (alert.tenantId) nativeIds.tenantId = alert.tenantId;
  if (alert.providerAlertId) nativeIds.providerAlertId = alert.providerAlertId;
  const input: AlertInput = {
    id: alert.id,
    source: { platform: 'sentinel', product: alert.productName ?? alert.serviceSource ?? alert.detectionSource ?? undefined, nativeIds },
    title,
    ruleName: title,
    ruleId: alert.detectorId ?? undefined,
    ruleAuthor: ruleAuthorOf(alert),
    description: alert.description?.trim() || undefined,
    severity: severityOf(alert.severity),
    time,
    entities: completeFromDetails(entities, fields),
    attack: techniquesOf([alert.mitreTechniques]),
    category: ruleAuthorOf(alert, CATEGORY_KEY),
    fields,
    raw: native,
  };
  return finalizeAlert(input);
}

function normalizeGraphIncident(native: unknown): Alert {
  const incident: GraphIncident = parseOrThrow(GraphIncidentSchema, native);
  const issues: FieldIssue[] = [];
  const time = requireTime(incident.createdDateTime, 'createdDateTime', issues);
  const title = requireText(incident.displayName, 'displayName', issues);
  if (issues.length > 0 || time === undefined || title === undefined) throw new InvalidAlertError(issues);
  const { entities, add } = entityCollector();
  const alerts = (incident.alerts ?? []).map((item) => GraphAlertSchema.safeParse(item)).flatMap((parsed) => (parsed.success ? [parsed.data] : []));
  for (const alert of alerts) for (const evidence of alert.evidence ?? []) readEvidence(evidence, add);
  const nativeIds: Record<string, string> = { resource: 'incidents', incidentId: incident.id };
  if (incident.tenantId) nativeIds.tenantId = incident.tenantId;
  if (alerts.length > 0) nativeIds.alertIds = alerts.map((alert) => alert.id).join(',');
  const products = [...new Set(alerts.map((alert) => alert.productName ?? alert.serviceSource).filter((value): value is string => typeof value === 'string'))];
  const input: AlertInput = {
    id: `${GRAPH_INCIDENT_ID_PREFIX}${incident.id}`,
    source: { platform: 'sentinel', product: products.join(', ') || undefined, nativeIds },
    title,
    ruleName: alerts.length === 1 && alerts[0]!.title ? alerts[0]!.title : title,
    ruleId: alerts.length === 1 ? (alerts[0]!.detectorId ?? undefined) : undefined,
    description: incident.description ?? undefined,
    severity: severityOf(incident.severity),
    time,
    entities,
    attack: techniquesOf(alerts.map((alert) => alert.mitreTechniques)),
    fields: { ...detailFields(...alerts.map((alert) => alert.customDetails)), ...(alerts.length > 0 ? { alertCount: String(alerts.length) } : {}) },
    raw: native,
  };
  return finalizeAlert(input);
}

function normalizeArmIncident(native: unknown): Alert {
  const incident: ArmIncident = parseOrThrow(ArmIncidentSchema, native);
  const properties = incident.properties;
  const issues: FieldIssue[] = [];
  const time = requireTime(properties.createdTimeUtc ?? properties.firstActivityTimeUtc, 'properties.createdTimeUtc', issues);
  const title = requireText(properties.title, 'properties.title', issues);
  if (issues.length > 0 || time === undefined || title === undefined) throw new InvalidAlertError(issues);
  const ruleIds = stringsOf(properties.relatedAnalyticRuleIds);
  const tactics = stringsOf(properties.additionalData?.tactics);
  const input: AlertInput = {
    id: `${ARM_INCIDENT_ID_PREFIX}${incident.name}`,
    source: {
      platform: 'sentinel',
      product: stringsOf(properties.additionalData?.alertProductNames).join(', ') || properties.providerName || undefined,
      nativeIds: { resource: 'armIncident', armId: incident.id, incidentName: incident.name, ...(properties.incidentNumber ? { incidentNumber: String(properties.incidentNumber) } : {}) },
    },
    title,
    ruleName: title,
    ruleId: ruleIds[0]?.split('/').pop(),
    description: properties.description ?? undefined,
    severity: severityOf(properties.severity),
    time,
    entities: [],
    attack: [],
    fields: tactics.length > 0 ? { tactics: tactics.join(',') } : {},
    raw: native,
  };
  return finalizeAlert(input);
}
