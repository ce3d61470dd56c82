import type { Disposition } from '../../core/spec/disposition.js';
import { PlatformApiError, VerdictError } from '../../core/spec/errors.js';
import type { PlatformPluginV1, PullPage, RenderedOutput } from '../../core/spec/plugin.js';
import type { TriageResult } from '../../core/spec/result.js';
import { GraphAlertCommentSchema, stringsOf } from './sentinel-alert.js';
import { createSentinelApi, type BatchStep, type GraphResource, type SentinelApi, type SentinelApiOptions } from './sentinel-api.js';
import { parseSentinelConfig, type SentinelConfig } from './sentinel-config.js';
import { ARM_INCIDENT_ID_PREFIX, GRAPH_INCIDENT_ID_PREFIX, looksLikeSentinelAlert, normalizeSentinelAlert } from './sentinel-normalize.js';
import { renderSentinelResult, VERDICT_DETERMINATIONS, VERDICT_MARKER_PREFIX, VERDICT_TAG_PREFIX, type SentinelRenderOptions, type SentinelWriteBack } from './sentinel-render.js';

export interface SentinelPluginOptions extends SentinelApiOptions {
  now?: () => number;
  api?: SentinelApi;
}

type Source = 'alerts' | 'incidents' | 'armIncidents';
/** Per source: the newest update time pulled and the `id@time` of items pulled at that instant. */
type PullCheckpoint = Partial<Record<Source, { since: string; ids: string[] }>>;

const ANALYST_VERDICT: Record<string, Disposition['verdict']> = {
  truePositive: 'true_positive',
  informationalExpectedActivity: 'benign_positive',
  falsePositive: 'false_positive',
  TruePositive: 'true_positive',
  BenignPositive: 'benign_positive',
  FalsePositive: 'false_positive',
};

/** IncidentProperties the PUT keeps (Incidents.json: not readOnly). Everything else is the server's. */
const ARM_WRITABLE = [
  'title',
  'description',
  'severity',
  'status',
  'classification',
  'classificationReason',
  'classificationComment',
  'owner',
  'labels',
  'firstActivityTimeUtc',
  'lastActivityTimeUtc',
] as const;

/**
 * The Microsoft Sentinel / Defender XDR add-on. Without a config it normalizes and renders only
 * (the service's push path: the Logic App playbook sends incidents); with one it pulls Graph
 * alerts and incidents (and Sentinel ARM incidents), writes verdicts back idempotently and reads
 * analyst classifications as dispositions.
 */
export function createSentinelPlugin(configInput?: unknown, options: SentinelPluginOptions = {}): PlatformPluginV1 {
  if (configInput === undefined) {
    const renderOptions: SentinelRenderOptions = { writeClassification: false, closeOnBenign: false };
    return {
      specificationVersion: 'v1',
      platform: 'sentinel',
      capabilities: { pull: false, deliver: false, dispositions: false, search: false },
      detect: looksLikeSentinelAlert,
      normalizeAlert: normalizeSentinelAlert,
      renderResult: (result: TriageResult): RenderedOutput => renderSentinelResult(result, renderOptions),
    };
  }
  const config: SentinelConfig = parseSentinelConfig(configInput);
  const api = options.api ?? createSentinelApi(config, options);
  const now = options.now ?? Date.now;
  const renderOptions: SentinelRenderOptions = { writeClassification: config.writeClassification, closeOnBenign: config.closeOnBenign };
  const sources = (Object.keys(config.sources) as Source[]).filter((source) => config.sources[source]);

  const list = (source: Source, since: string): Promise<Array<Record<string, unknown>>> =>
    source === 'armIncidents' ? api.listArmIncidents(since) : api.listGraph(source === 'alerts' ? 'alerts_v2' : 'incidents', since, { expandAlerts: source === 'incidents' });

  return {
    specificationVersion: 'v1',
    platform: 'sentinel',
    capabilities: { pull: true, deliver: true, dispositions: true, search: false },
    detect: looksLikeSentinelAlert,
    normalizeAlert: normalizeSentinelAlert,
    renderResult: (result: TriageResult): RenderedOutput => renderSentinelResult(result, renderOptions),

    async pullAlerts(checkpoint: string | undefined): Promise<PullPage> {
      const state = parseCheckpoint(checkpoint);
      const next: PullCheckpoint = { ...state };
      const alerts: unknown[] = [];
      for (const source of sources) {
        const previous = state[source];
        const since = previous?.since ?? new Date(now() - config.initialLookbackMinutes * 60_000).toISOString();
        const seen = new Set(previous?.ids ?? []);
        const items = (await list(source, since)).filter((item) => !seen.has(stampOf(item)));
        alerts.push(...items.filter((item) => !isOwnLastWrite(item)));
        const times = items.map(updatedAt).filter((time): time is string => time !== undefined);
        if (times.length === 0) continue;
        const newest = times.reduce((left, right) => (Date.parse(right) > Date.parse(left) ? right : left));
        const ids = items.filter((item) => updatedAt(item) === newest).map(stampOf);
        next[source] = { since: newest, ids: previous && previous.since === newest ? [...previous.ids, ...ids] : ids };
      }
      return { alerts, checkpoint: JSON.stringify(next) };
    },

    async deliverResult(output: RenderedOutput): Promise<void> {
      const payload = output.payload as SentinelWriteBack;
      if (payload.resource === 'armIncident') await deliverArm(api, config, payload);
      else await deliverGraph(api, payload);
    },

    async readDispositions(since: string): Promise<Disposition[]> {
      if (Number.isNaN(Date.parse(since))) throw new VerdictError(`readDispositions: since must be an ISO 8601 time, got ${JSON.stringify(since)}`);
      const dispositions: Disposition[] = [];
      for (const source of sources) {
        for (const item of await list(source, new Date(since).toISOString())) {
          const disposition = source === 'armIncidents' ? armDisposition(item) : graphDisposition(item, source === 'incidents', config);
          if (disposition && Date.parse(disposition.time) >= Date.parse(since)) dispositions.push(disposition);
        }
      }
      return dispositions.sort((left, right) => left.time.localeCompare(right.time));
    },
  };
}

async function deliverGraph(api: SentinelApi, payload: SentinelWriteBack): Promise<void> {
  const graph = payload.graph!;
  const resource = payload.resource as GraphResource;
  const current = await api.getGraph(resource, payload.nativeId);
  // The comment is written last: its marker means every earlier write of this verdict succeeded.
  if (commentsOf(current).some((comment) => comment.comment?.includes(payload.marker))) return;
  const patch: Record<string, unknown> = {};
  // Never overwrite an analyst's decision: classification and status only while still unclassified.
  const isUnclassified = current.classification === undefined || current.classification === null || current.classification === 'unknown';
  if (isUnclassified) Object.assign(patch, graph.patch);
  if (resource === 'incidents') {
    const existing = stringsOf(current.customTags);
    const tags = [...existing.filter((tag) => !tag.startsWith(VERDICT_TAG_PREFIX)), ...graph.tags];
    if (tags.length !== existing.length || tags.some((tag, index) => tag !== existing[index])) patch.customTags = tags;
  }
  const base = `/security/${resource}/${encodeURIComponent(payload.nativeId)}`;
  if (Object.keys(patch).length === 0) {
    await api.postComment(resource, payload.nativeId, graph.comment);
    return;
  }
  const steps: BatchStep[] = [
    { id: '1', method: 'PATCH', url: base, body: patch },
    { id: '2', method: 'POST', url: `${base}/comments`, body: graph.comment, dependsOn: ['1'] },
  ];
  await api.batch(steps);
}

async function deliverArm(api: SentinelApi, config: SentinelConfig, payload: SentinelWriteBack): Promise<void> {
  const arm = payload.arm!;
  if (await api.getArmComment(payload.nativeId, arm.comment.name)) return;
  for (let attempt = 0; ; attempt += 1) {
    const incident = await api.getArmIncident(payload.nativeId);
    const properties = (incident.properties ?? {}) as Record<string, unknown>;
    const kept = Object.fromEntries(ARM_WRITABLE.filter((key) => properties[key] !== undefined && properties[key] !== null).map((key) => [key, properties[key]]));
    const labels = Array.isArray(properties.labels) ? (properties.labels as Array<{ labelName?: unknown }>) : [];
    const otherLabels = labels.filter((label) => typeof label.labelName === 'string' && !label.labelName.startsWith(VERDICT_TAG_PREFIX)).map((label) => ({ labelName: label.labelName as string }));
    const isUnclassified = typeof properties.classification !== 'string' || properties.classification === 'Undetermined';
    const body = {
      etag: incident.etag,
      properties: {
        ...kept,
        ...(kept.owner && typeof kept.owner === 'object' ? { owner: { objectId: (kept.owner as Record<string, unknown>).objectId } } : {}),
        labels: [...otherLabels, ...arm.labels.map((labelName) => ({ labelName }))],
        ...(isUnclassified ? arm.properties : {}),
      },
    };
    if (body.properties.owner && !(body.properties.owner as Record<string, unknown>).objectId) delete (body.properties as Record<string, unknown>).owner;
    try {
      await api.putArmIncident(payload.nativeId, body);
      break;
    } catch (error) {
      // Someone changed the incident since the read (stale etag): read again and re-apply.
      if (!isEtagConflict(error) || attempt >= config.maxEtagRetries) throw error;
    }
  }
  await api.putArmComment(payload.nativeId, arm.comment.name, { properties: arm.comment.properties });
}

/**
 * A stale etag: 412 Precondition Failed, or 409 Conflict, which the Sentinel portal reports for
 * concurrent incident edits (Incidents.json does not say which the API answers).
 */
function isEtagConflict(error: unknown): boolean {
  const status = PlatformApiError.isInstance(error) ? (error as PlatformApiError).statusCode : undefined;
  return status === 412 || status === 409;
}

/** Slack between a comment's time and the item's update time that the same write may show (clock granularity). */
const SAME_WRITE_MS = 2000;

/**
 * An item whose last change is Verdict's own comment (its update time is that comment's): pulled
 * again only because Verdict wrote to it, so it is not triaged again. The checkpoint still moves.
 */
function isOwnLastWrite(item: Record<string, unknown>): boolean {
  const last = commentsOf(item).at(-1);
  const updated = updatedAt(item);
  if (!last?.comment?.includes(VERDICT_MARKER_PREFIX) || !last.createdDateTime || !updated) return false;
  return Date.parse(last.createdDateTime) >= Date.parse(updated) - SAME_WRITE_MS;
}

function commentsOf(item: Record<string, unknown>): Array<{ comment?: string | null; createdByDisplayName?: string | null; createdDateTime?: string | null }> {
  return (Array.isArray(item.comments) ? item.comments : []).flatMap((comment) => {
    const parsed = GraphAlertCommentSchema.safeParse(comment);
    return parsed.success ? [parsed.data] : [];
  });
}

function graphDisposition(item: Record<string, unknown>, isIncident: boolean, config: SentinelConfig): Disposition | undefined {
  const classification = typeof item.classification === 'string' ? item.classification : undefined;
  const verdict = classification ? ANALYST_VERDICT[classification] : undefined;
  const time = updatedAt(item);
  if (!verdict || typeof item.id !== 'string' || !time) return undefined;
  const lastModifiedBy = typeof item.lastModifiedBy === 'string' ? item.lastModifiedBy : undefined;
  const comments = commentsOf(item);
  // Verdict's own classification: incidents name the app that changed them last; alerts do not (below).
  if (lastModifiedBy?.includes(config.clientId)) return undefined;
  if (!isIncident && config.writeClassification && isOwnAlertClassification(item, comments)) return undefined;
  const note = comments.filter((comment) => !comment.comment?.includes(VERDICT_MARKER_PREFIX)).at(-1)?.comment ?? undefined;
  const analyst = lastModifiedBy ?? (typeof item.assignedTo === 'string' ? item.assignedTo : undefined);
  return {
    alertId: isIncident ? `${GRAPH_INCIDENT_ID_PREFIX}${item.id}` : item.id,
    verdict,
    analyst: analyst ?? 'unknown',
    time: new Date(time).toISOString(),
    platform: 'sentinel',
    ...(note ? { note } : {}),
  };
}

/**
 * A Graph alert has no `lastModifiedBy`, so whose classification it carries is inferred: Verdict's
 * when it is the classification and a determination Verdict writes, its own comment suggested
 * that classification, and no assignee changed the alert after Verdict's write. An analyst who
 * picked another determination, or took the alert and touched it since, confirmed it.
 */
function isOwnAlertClassification(item: Record<string, unknown>, comments: ReturnType<typeof commentsOf>): boolean {
  const classification = typeof item.classification === 'string' ? item.classification : '';
  const own = comments.filter((comment) => comment.comment?.includes(VERDICT_MARKER_PREFIX)).at(-1);
  if (!own?.comment?.includes(`Suggested classification: ${classification} `)) return false;
  if (!VERDICT_DETERMINATIONS[classification]?.includes(String(item.determination))) return false;
  const isAssigned = typeof item.assignedTo === 'string' && item.assignedTo !== '';
  return !isAssigned || isOwnLastWrite(item);
}

function armDisposition(item: Record<string, unknown>): Disposition | undefined {
  const properties = (item.properties ?? {}) as Record<string, unknown>;
  const verdict = typeof properties.classification === 'string' ? ANALYST_VERDICT[properties.classification] : undefined;
  const time = updatedAt(item);
  if (!verdict || typeof item.name !== 'string' || !time) return undefined;
  if (typeof properties.classificationComment === 'string' && properties.classificationComment.startsWith('Verdict:')) return undefined;
  const owner = (properties.owner ?? {}) as Record<string, unknown>;
  const analyst = [owner.userPrincipalName, owner.email, owner.assignedTo].find((value): value is string => typeof value === 'string' && value !== '');
  return {
    alertId: `${ARM_INCIDENT_ID_PREFIX}${item.name}`,
    verdict,
    analyst: analyst ?? 'unknown',
    time: new Date(time).toISOString(),
    platform: 'sentinel',
    ...(typeof properties.classificationComment === 'string' ? { note: properties.classificationComment } : {}),
  };
}

function updatedAt(item: Record<string, unknown>): string | undefined {
  const properties = item.properties as Record<string, unknown> | undefined;
  const value = item.lastUpdateDateTime ?? properties?.lastModifiedTimeUtc;
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

function stampOf(item: Record<string, unknown>): string {
  return `${String(item.name ?? item.id)}@${updatedAt(item) ?? ''}`;
}

function parseCheckpoint(checkpoint: string | undefined): PullCheckpoint {
  if (checkpoint === undefined || checkpoint === '') return {};
  try {
    const parsed: unknown = JSON.parse(checkpoint);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const state: PullCheckpoint = {};
      for (const source of ['alerts', 'incidents', 'armIncidents'] as const) {
        const entry = (parsed as Record<string, unknown>)[source] as { since?: unknown; ids?: unknown } | undefined;
        if (entry && typeof entry.since === 'string' && Array.isArray(entry.ids)) state[source] = { since: entry.since, ids: stringsOf(entry.ids) };
      }
      return state;
    }
  } catch {
    // Fall through: an unreadable checkpoint must not silently restart the pull.
  }
  throw new VerdictError('Sentinel pull checkpoint is unreadable (expected {"alerts":{"since","ids"},…}); delete the stored checkpoint to start over');
}
