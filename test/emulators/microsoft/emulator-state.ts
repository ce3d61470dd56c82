import { randomUUID } from 'node:crypto';
import { armIncidentEnum, validateArmBody } from './arm-schema.js';
import { enumMembers, validateGraphValue } from './graph-schema.js';

/**
 * What the Microsoft emulator holds: Graph alerts (alerts_v2) and incidents, Sentinel ARM
 * incidents with their comments. Every stored object is checked against the CSDL / ARM spec on
 * the way in, so a test cannot seed what the platform would never return.
 */

export type GraphRecord = Record<string, unknown> & { id: string };

export interface ArmIncidentRecord {
  name: string;
  etag: string;
  properties: Record<string, unknown>;
  comments: Map<string, { etag: string; properties: Record<string, unknown> }>;
}

export class SchemaError extends Error {
  constructor(
    readonly issues: Array<{ path: string; message: string }>,
    what: string,
  ) {
    super(`${what}: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`);
  }
}

export class MicrosoftEmulatorState {
  readonly alerts = new Map<string, GraphRecord>();
  readonly incidents = new Map<string, GraphRecord & { alertIds: string[] }>();
  readonly armIncidents = new Map<string, ArmIncidentRecord>();
  private clockMillis = 0;

  constructor(private readonly clock: () => number) {}

  /** A strictly increasing update time (two writes in one millisecond still order). */
  stamp(): string {
    this.clockMillis = Math.max(this.clockMillis + 1, this.clock());
    return new Date(this.clockMillis).toISOString();
  }

  /** Seeds alerts_v2 entities. `lastUpdateDateTime` becomes now: they are new to the API. */
  addAlerts(alerts: Array<Record<string, unknown>>): GraphRecord[] {
    return alerts.map((input) => {
      const alert = { comments: [], evidence: [], mitreTechniques: [], systemTags: [], ...structuredClone(input), lastUpdateDateTime: this.stamp() } as unknown as GraphRecord;
      const issues = validateGraphValue({ ...alert, '@odata.type': '#microsoft.graph.security.alert' }, 'alert', { mode: 'read' });
      if (issues.length > 0) throw new SchemaError(issues, `seeded alert ${String(input.id)} does not match the CSDL`);
      delete (alert as Record<string, unknown>)['@odata.type'];
      this.alerts.set(alert.id, alert);
      return alert;
    });
  }

  /** Seeds an incident and its alerts (`alerts` as in a `$expand=alerts` answer). */
  addIncident(input: Record<string, unknown>): GraphRecord {
    const { alerts = [], ...rest } = structuredClone(input) as Record<string, unknown> & { alerts?: Array<Record<string, unknown>> };
    const stored = this.addAlerts(alerts.map((alert) => ({ ...alert, incidentId: String(rest.id) })));
    const incident = { comments: [], customTags: [], systemTags: [], ...rest, lastUpdateDateTime: this.stamp(), alertIds: stored.map((alert) => alert.id) } as unknown as GraphRecord & {
      alertIds: string[];
    };
    const { alertIds: _ids, ...visible } = incident;
    const issues = validateGraphValue({ ...visible, '@odata.type': '#microsoft.graph.security.incident' }, 'incident', { mode: 'read' });
    if (issues.length > 0) throw new SchemaError(issues, `seeded incident ${String(rest.id)} does not match the CSDL`);
    delete (incident as Record<string, unknown>)['@odata.type'];
    this.incidents.set(incident.id, incident);
    return incident;
  }

  /** Seeds a Sentinel incident from an ARM resource (`GET …/incidents/{id}` shape). */
  addArmIncident(resource: { name: string; properties: Record<string, unknown> }): ArmIncidentRecord {
    const issues = validateArmBody({ properties: resource.properties }, 'Incident');
    if (issues.length > 0) throw new SchemaError(issues, `seeded ARM incident ${resource.name} does not match Incidents.json`);
    const now = this.stamp();
    const record: ArmIncidentRecord = {
      name: resource.name,
      etag: `"${randomUUID()}"`,
      properties: { labels: [], createdTimeUtc: now, ...structuredClone(resource.properties), lastModifiedTimeUtc: now },
      comments: new Map(),
    };
    this.armIncidents.set(record.name, record);
    return record;
  }

  /**
   * An analyst's change in the portal: classification (and more) of a Graph alert or incident.
   * An incident records who changed it (`lastModifiedBy`); an alert does not, and is assigned to
   * the analyst only when `assign` (the default) says they took it.
   */
  analystUpdate(resource: 'alerts_v2' | 'incidents', id: string, change: Record<string, unknown>, analyst: string, comment?: string, options: { assign?: boolean } = {}): GraphRecord {
    const store: Map<string, GraphRecord> = resource === 'incidents' ? this.incidents : this.alerts;
    const item = store.get(id);
    if (!item) throw new Error(`no ${resource} ${id}`);
    for (const key of ['classification', 'determination', 'status']) {
      const value = change[key];
      const members = enumMembers(key === 'status' ? (resource === 'incidents' ? 'incidentStatus' : 'alertStatus') : key === 'classification' ? 'alertClassification' : 'alertDetermination');
      if (value !== undefined && !members.includes(String(value))) throw new Error(`${key} ${String(value)} is not a CSDL member`);
    }
    Object.assign(item, change, { lastUpdateDateTime: this.stamp() });
    if (resource === 'incidents') item.lastModifiedBy = analyst;
    else if (options.assign ?? true) item.assignedTo = analyst;
    if (comment) (item.comments as unknown[]).push({ comment, createdByDisplayName: analyst, createdDateTime: item.lastUpdateDateTime });
    return item;
  }

  /** An analyst's change of a Sentinel incident (bumps the etag, as any write does). */
  analystArmUpdate(name: string, change: Record<string, unknown>): ArmIncidentRecord {
    const record = this.armIncidents.get(name);
    if (!record) throw new Error(`no ARM incident ${name}`);
    const classification = change.classification;
    if (classification !== undefined && !armIncidentEnum('classification').includes(String(classification))) throw new Error(`classification ${String(classification)} is not in Incidents.json`);
    Object.assign(record.properties, change, { lastModifiedTimeUtc: this.stamp() });
    record.etag = `"${randomUUID()}"`;
    return record;
  }
}
