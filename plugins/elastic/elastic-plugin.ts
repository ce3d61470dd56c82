import { readString, readStrings } from '../../core/normalize/finalize.js';
import type { Disposition } from '../../core/spec/disposition.js';
import { PlatformApiError, UnsupportedFeatureError, VerdictError } from '../../core/spec/errors.js';
import type { PlatformPluginV1, PullPage, RenderedOutput } from '../../core/spec/plugin.js';
import type { TriageResult } from '../../core/spec/result.js';
import { isRecord, type ElasticHit } from './elastic-alert.js';
import { createElasticApi, type ElasticApi, type ElasticApiOptions } from './elastic-api.js';
import { alertsIndexOf, parseElasticConfig, type ElasticConfig } from './elastic-config.js';
import { truncate } from './elastic-comment.js';
import { readCaseDispositions, readStatusDispositions } from './elastic-dispositions.js';
import { looksLikeElasticAlert, normalizeElasticAlert } from './elastic-normalize.js';
import { PENDING_TAG, renderElasticResult, supportsAlertTags, supportsCloseReason, VERDICT_TAG_PREFIX, type ElasticRenderOptions, type ElasticWriteBack } from './elastic-render.js';

export interface ElasticPluginOptions extends ElasticApiOptions {
  /** Clock for the pull window's upper bound (tests). */
  now?: () => number;
  /** A ready transport; by default one is created from the config. */
  api?: ElasticApi;
}

/** Where the next pull starts: the newest alert time seen and the alert ids already pulled at it. */
interface PullCheckpoint {
  time: string;
  ids: string[];
}

/**
 * The Elastic Security add-on. Without a config it normalizes and renders only (the push path:
 * a rule's webhook action posts alerts to the service); with one it also pulls open alerts,
 * writes verdicts back (tags, status under policy, case comment, verdict document) and reads
 * analyst closings back as dispositions.
 */
export function createElasticPlugin(configInput?: unknown, options: ElasticPluginOptions = {}): PlatformPluginV1 {
  const pure = { specificationVersion: 'v1' as const, platform: 'elastic', detect: looksLikeElasticAlert, normalizeAlert: normalizeElasticAlert };
  if (configInput === undefined) {
    const renderOptions: ElasticRenderOptions = { kibanaVersion: '9.2.0', closeOnBenign: false, namespace: 'default', alertsIndex: alertsIndexOf('default'), caseOwner: 'securitySolution' };
    return { ...pure, capabilities: { pull: false, deliver: false, dispositions: false, search: false }, renderResult: (result) => renderElasticResult(result, renderOptions) };
  }
  const config: ElasticConfig = parseElasticConfig(configInput);
  const api = options.api ?? createElasticApi(config, options);
  const now = options.now ?? Date.now;
  const alertsIndex = alertsIndexOf(config.space);
  // Without a configured version the reason is rendered and dropped at delivery if Kibana is older.
  const renderOptions: ElasticRenderOptions = {
    kibanaVersion: config.kibanaVersion ?? '9.2.0',
    closeOnBenign: config.closeOnBenign,
    namespace: config.namespace,
    alertsIndex,
    caseOwner: config.caseOwner,
  };

  return {
    ...pure,
    capabilities: { pull: true, deliver: true, dispositions: true, search: false },
    renderResult: (result: TriageResult): RenderedOutput => renderElasticResult(result, renderOptions),

    async pullAlerts(checkpoint: string | undefined): Promise<PullPage> {
      const state = parseCheckpoint(checkpoint);
      const lower = state?.time ?? new Date(now() - config.initialLookbackSeconds * 1000).toISOString();
      const upper = new Date(now() - config.indexLagSeconds * 1000).toISOString();
      const mustNot: unknown[] = [];
      if (!config.includeBuildingBlocks) mustNot.push({ exists: { field: 'kibana.alert.building_block_type' } });
      if (state && state.ids.length > 0) mustNot.push({ ids: { values: state.ids } });
      // Open and not tagged by Verdict yet; or a write-back Verdict began by closing and never finished.
      const untriaged = { bool: { filter: [{ term: { 'kibana.alert.workflow_status': 'open' } }], must_not: [{ prefix: { 'kibana.alert.workflow_tags': VERDICT_TAG_PREFIX } }] } };
      const unfinished = { term: { 'kibana.alert.workflow_tags': PENDING_TAG } };
      const query = {
        bool: {
          filter: [{ range: { '@timestamp': { gte: lower, lte: upper } } }, { bool: { should: [untriaged, unfinished], minimum_should_match: 1 } }],
          must_not: mustNot,
        },
      };
      let hits: ElasticHit[];
      try {
        hits = await api.searchWithPit(alertsIndex, query, [{ '@timestamp': 'asc' }, { 'kibana.alert.uuid': 'asc' }], config.pageSize);
      } catch (error) {
        // The detection engine creates the alerts index with the space's first alert: none yet.
        if (PlatformApiError.isInstance(error) && (error as PlatformApiError).statusCode === 404 && error.message.includes('index_not_found_exception'))
          return { alerts: [], checkpoint: checkpoint ?? '' };
        throw error;
      }
      return { alerts: hits, checkpoint: nextCheckpoint(state, hits, checkpoint) };
    },

    async deliverResult(output: RenderedOutput, result: TriageResult): Promise<void> {
      const payload = output.payload as ElasticWriteBack;
      const kibanaVersion = await api.kibanaVersion();
      if (!supportsAlertTags(kibanaVersion)) {
        throw new UnsupportedFeatureError(
          `Kibana ${kibanaVersion} has no alert tags API (POST /api/detection_engine/signals/tags, Kibana 8.10+), which marks an alert as triaged: upgrade Kibana, or use the push path (rule action → POST /v1/triage)`,
        );
      }
      // Each write checks the platform's state first. Tags go last: a verdict tag means the whole
      // write-back is done (the pull skips tagged alerts), so a crash before it re-pulls the alert.
      const hasDocument = (await api.search(payload.dataStream, { ids: { values: [payload.keys.document] } }, 1)).length > 0;
      const alert = await findAlert(api, alertsIndex, payload.alertId);
      if (!alert) {
        // Deleted since the pull (retention, an analyst): nothing left to tag, close or attach; the
        // verdict document still records the verdict. Failing would stop every later run on it.
        if (!hasDocument) await api.createDocument(payload.dataStream, payload.keys.document, payload.document);
        return;
      }
      const source = alert._source;
      const tags = new Set(readStrings(source, 'kibana.alert.workflow_tags'));
      const { tags_to_add: toAdd, tags_to_remove: toRemove } = payload.tags.tags;
      const isTagged = toAdd.every((tag) => tags.has(tag)) && !toRemove.some((tag) => tags.has(tag));
      if (hasDocument && isTagged) return;

      // Never re-close or override an analyst: only an open alert is closed by policy. The pending
      // tag goes first, so the alert is pulled again if this write-back stops after the close.
      if (payload.status && readString(source, 'kibana.alert.workflow_status') !== 'closed') {
        if (!tags.has(PENDING_TAG)) await api.kibana('POST', '/api/detection_engine/signals/tags', { ids: [payload.alertId], tags: { tags_to_add: [PENDING_TAG], tags_to_remove: [] } });
        const { reason, ...withoutReason } = payload.status;
        const body = reason && supportsCloseReason(kibanaVersion) ? payload.status : withoutReason;
        // Detections API: POST /api/detection_engine/signals/status.
        await api.kibana('POST', '/api/detection_engine/signals/status', body);
      }
      if (config.cases) await writeCaseComment(api, config, payload, alert, result);
      // Elasticsearch bulk create with _id = the delivery key: a second create is a 409, not a copy.
      if (!hasDocument) await api.createDocument(payload.dataStream, payload.keys.document, payload.document);
      // Detections API: POST /api/detection_engine/signals/tags.
      if (!isTagged) await api.kibana('POST', '/api/detection_engine/signals/tags', payload.tags);
    },

    async readDispositions(since: string): Promise<Disposition[]> {
      if (Number.isNaN(Date.parse(since))) throw new VerdictError(`readDispositions: since must be an ISO 8601 time, got ${JSON.stringify(since)}`);
      const statusDispositions = await readStatusDispositions(api, alertsIndex, since);
      return [...statusDispositions, ...(config.cases ? await readCaseDispositions(api, config.caseOwner, since, await api.ownUsername()) : [])];
    },
  };
}

/** The alert by `kibana.alert.uuid` or `_id`; undefined when it is no longer in the space's alerts index. */
async function findAlert(api: ElasticApi, alertsIndex: string, alertId: string): Promise<ElasticHit | undefined> {
  const [hit] = await api.search(alertsIndex, { bool: { should: [{ term: { 'kibana.alert.uuid': alertId } }, { ids: { values: [alertId] } }], minimum_should_match: 1 } }, 1);
  return hit;
}

/** Kibana attaches at most 1000 alerts to one case (Cases API); a full group case is continued in a new one. */
const MAX_ALERTS_PER_CASE = 1000;

/**
 * Cases API: one case per alert group (found by its group tag, else created; continued in a new
 * case once 1000 alerts are attached), the alert attached once, and the verdict comment added
 * once (found again by its marker).
 */
async function writeCaseComment(api: ElasticApi, config: ElasticConfig, payload: ElasticWriteBack, alert: ElasticHit, result: TriageResult): Promise<void> {
  const { caseId, holdsAlert } = await groupCaseFor(api, config, payload);
  // The comment follows the attachment, so only a case that holds the alert (a retry) can hold the
  // comment: the case and its comments (up to 2,000 in a full group case) are read only then.
  const comments = holdsAlert ? (await api.getCase(caseId)).comments : [];
  if (!holdsAlert) {
    const rule = { id: readString(alert._source, 'kibana.alert.rule.uuid') ?? result.ruleName, name: readString(alert._source, 'kibana.alert.rule.name') ?? result.ruleName };
    await api.kibana('POST', `/api/cases/${encodeURIComponent(caseId)}/comments`, { ...payload.alertAttachment, index: alert._index ?? payload.alertIndex, rule });
  }
  const isCommented = comments.some((comment) => comment.type === 'user' && typeof comment.comment === 'string' && comment.comment.includes(payload.marker));
  if (!isCommented) await api.kibana('POST', `/api/cases/${encodeURIComponent(caseId)}/comments`, payload.comment);
}

/** The group's case that holds the alert already, else the oldest with room for it, else a new one. */
async function groupCaseFor(api: ElasticApi, config: ElasticConfig, payload: ElasticWriteBack): Promise<{ caseId: string; holdsAlert: boolean }> {
  const group = await api.findCases({ owner: config.caseOwner, tags: payload.caseGroup.tag, sortField: 'createdAt', sortOrder: 'asc' });
  if (group.length > 0) {
    const holding = new Set(await api.casesOfAlert(payload.alertId, config.caseOwner));
    const holder = group.find((item) => holding.has(item.id));
    if (holder) return { caseId: holder.id, holdsAlert: true };
    const withRoom = group.find((item) => item.totalAlerts < MAX_ALERTS_PER_CASE);
    if (withRoom) return { caseId: withRoom.id, holdsAlert: false };
  }
  const create = payload.caseGroup.create;
  const body = group.length === 0 ? create : { ...create, title: `${truncate(create.title, 145)} (part ${group.length + 1})` };
  return { caseId: String(requireRecord(await api.kibana('POST', '/api/cases', body), 'POST /api/cases').id), holdsAlert: false };
}

function requireRecord(value: unknown, operation: string): Record<string, unknown> {
  if (!isRecord(value)) throw new PlatformApiError(`Kibana ${operation}: the answer is not a JSON object`, { statusCode: 502 });
  return value;
}

function parseCheckpoint(checkpoint: string | undefined): PullCheckpoint | undefined {
  if (checkpoint === undefined || checkpoint === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(checkpoint);
    if (isRecord(parsed) && typeof parsed.time === 'string' && !Number.isNaN(Date.parse(parsed.time)) && Array.isArray(parsed.ids)) {
      return { time: parsed.time, ids: parsed.ids.filter((id): id is string => typeof id === 'string') };
    }
  } catch {
    // Fall through: an unreadable checkpoint must not silently restart the pull.
  }
  throw new VerdictError('Elastic pull checkpoint is unreadable (expected {"time":…,"ids":[…]}); delete the stored checkpoint to start over');
}

function nextCheckpoint(state: PullCheckpoint | undefined, hits: ElasticHit[], previous: string | undefined): string {
  const timed = hits.flatMap((hit) => {
    const time = readString(hit._source, '@timestamp');
    const millis = time === undefined ? Number.NaN : Date.parse(time);
    return Number.isNaN(millis) ? [] : [{ id: hit._id, millis }];
  });
  if (timed.length === 0) return previous ?? '';
  const newest = Math.max(...timed.map((item) => item.millis));
  const time = new Date(newest).toISOString();
  const ids = new Set(state && Date.parse(state.time) === newest ? state.ids : []);
  for (const item of timed) if (item.millis === newest) ids.add(item.id);
  return JSON.stringify({ time, ids: [...ids] });
}
