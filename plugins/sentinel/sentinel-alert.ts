import { z } from 'zod';

/**
 * Lenient schemas of what Microsoft sends: Graph security `alert` (alerts_v2) and `incident`
 * (`graph-security-v1.0.csdl.xml`), and the Sentinel ARM `Incident` (`Incidents.json`,
 * api-version 2025-12-01). Vendor payloads are parsed leniently (unknown fields pass, nulls are
 * allowed where Graph sends them); only what Verdict needs is typed.
 */

const text = z.string().nullish();
const texts = z.array(z.unknown()).nullish();

/** `microsoft.graph.security.alertEvidence` and its subtypes, chosen by `@odata.type`. */
export const GraphEvidenceSchema = z.looseObject({
  '@odata.type': z.string(),
  roles: texts,
  detailedRoles: texts,
  verdict: text,
  remediationStatus: text,
  tags: texts,
});
export type GraphEvidence = z.infer<typeof GraphEvidenceSchema>;

export const GraphAlertCommentSchema = z.looseObject({
  comment: text,
  createdByDisplayName: text,
  createdDateTime: text,
  // Documentation examples use these older names (fixtures/README.md).
  createdBy: text,
  createdTime: text,
});
export type GraphAlertComment = z.infer<typeof GraphAlertCommentSchema>;

export const GraphAlertSchema = z.looseObject({
  '@odata.type': text,
  id: z.string().min(1),
  title: text,
  description: text,
  severity: text,
  status: text,
  classification: text,
  determination: text,
  serviceSource: text,
  detectionSource: text,
  productName: text,
  detectorId: text,
  providerAlertId: text,
  incidentId: text,
  tenantId: text,
  category: text,
  createdDateTime: text,
  lastUpdateDateTime: text,
  firstActivityDateTime: text,
  mitreTechniques: texts,
  evidence: z.array(z.unknown()).nullish(),
  comments: z.array(z.unknown()).nullish(),
  additionalData: z.record(z.string(), z.unknown()).nullish(),
  customDetails: z.record(z.string(), z.unknown()).nullish(),
  alertWebUrl: text,
});
export type GraphAlert = z.infer<typeof GraphAlertSchema>;

export const GraphIncidentSchema = z.looseObject({
  '@odata.type': text,
  id: z.string().min(1),
  displayName: text,
  description: text,
  severity: text,
  status: text,
  classification: text,
  determination: text,
  tenantId: text,
  createdDateTime: text,
  lastUpdateDateTime: text,
  customTags: texts,
  tags: texts,
  systemTags: texts,
  comments: z.array(z.unknown()).nullish(),
  alerts: z.array(z.unknown()).nullish(),
  incidentWebUrl: text,
});
export type GraphIncident = z.infer<typeof GraphIncidentSchema>;

/** Sentinel ARM `Incident` resource (`ResourceWithEtag` + `IncidentProperties`). */
export const ArmIncidentSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  type: text,
  etag: text,
  properties: z.looseObject({
    title: z.string(),
    description: text,
    severity: text,
    status: text,
    classification: text,
    classificationReason: text,
    classificationComment: text,
    createdTimeUtc: text,
    lastModifiedTimeUtc: text,
    firstActivityTimeUtc: text,
    incidentNumber: z.number().nullish(),
    providerName: text,
    providerIncidentId: text,
    relatedAnalyticRuleIds: texts,
    labels: z.array(z.looseObject({ labelName: z.string(), labelType: text })).nullish(),
    owner: z.looseObject({ objectId: text, email: text, userPrincipalName: text, assignedTo: text }).nullish(),
    additionalData: z.looseObject({ tactics: texts, alertProductNames: texts }).nullish(),
  }),
});
export type ArmIncident = z.infer<typeof ArmIncidentSchema>;

export const ARM_INCIDENT_TYPE = 'Microsoft.SecurityInsights/incidents';
export const GRAPH_ALERT_TYPE = '#microsoft.graph.security.alert';
export const GRAPH_INCIDENT_TYPE = '#microsoft.graph.security.incident';

/** Strings of a list that may hold anything. */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
}
