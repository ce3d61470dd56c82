import { deliveryKey } from '../../core/spec/delivery-key.js';
import type { RenderedOutput } from '../../core/spec/plugin.js';
import type { TriageResult, Verdict } from '../../core/spec/result.js';
import { renderCaseComment, truncate } from './elastic-comment.js';

/**
 * TriageResult → everything Verdict writes into Elastic Security. Pure: no clock, no randomness.
 * Every write carries its own key, `deliveryKey(result, target)`, which the transport looks for on
 * the platform before writing (platforms.md §2.2, §2.3).
 */

/** The reasons `signals/status` takes on close (detections spec, schema `ReasonEnum`). */
export const CLOSE_REASON: Partial<Record<Verdict, 'true_positive' | 'benign_positive' | 'false_positive'>> = {
  true_positive: 'true_positive',
  benign_positive: 'benign_positive',
  false_positive: 'false_positive',
};

/** Tag prefix of every tag Verdict writes; analysts' own tags never start with it. */
export const VERDICT_TAG_PREFIX = 'verdict:';
export const VERDICT_TAGS: Record<Verdict, string> = {
  true_positive: 'verdict:true_positive',
  benign_positive: 'verdict:benign_positive',
  false_positive: 'verdict:false_positive',
  inconclusive: 'verdict:inconclusive',
};
export const AUTO_CLOSED_TAG = 'verdict:auto_closed';
/**
 * Set before Verdict closes an alert and removed with the final tags: a closed alert leaves the
 * pull's "open" filter, so without it a crash between the close and the final tags would never
 * pull the alert again, and its case comment, verdict document and tags would be lost.
 */
export const PENDING_TAG = 'verdict:pending';

/** Written into every case comment so a retry can find what an earlier attempt already wrote. */
export const VERDICT_MARKER_PREFIX = '[verdict:';

/** Kibana's first release whose `signals/status` accepts `reason` (closing reasons, GA in 9.2). */
export const FIRST_VERSION_WITH_CLOSE_REASON = [9, 2] as const;

export interface ElasticRenderOptions {
  /** Kibana version (`major.minor[.patch]`), from config or `GET /api/status`. */
  kibanaVersion: string;
  closeOnBenign: boolean;
  /** Data stream namespace: documents go to `logs-verdict.triage-<namespace>`. */
  namespace: string;
  /** Index of the alert, for the case attachment (`kibana.alert` hit `_index`). */
  alertsIndex: string;
  caseOwner: 'securitySolution' | 'cases' | 'observability';
}

export interface ElasticDeliveryKeys {
  tags: string;
  status: string;
  caseComment: string;
  document: string;
}

export interface ElasticWriteBack {
  alertId: string;
  /** The alert's index, when the normalizer saw the hit that carried it. */
  alertIndex: string;
  keys: ElasticDeliveryKeys;
  marker: string;
  isClosing: boolean;
  /** `POST /api/detection_engine/signals/tags` body. */
  tags: { ids: string[]; tags: { tags_to_add: string[]; tags_to_remove: string[] } };
  /** `POST /api/detection_engine/signals/status` body (close under policy only). */
  status?: { signal_ids: string[]; status: 'closed'; reason?: 'true_positive' | 'benign_positive' | 'false_positive' };
  /** The case of the alert group (one per rule fingerprint) and what goes into it. */
  caseGroup: { tag: string; create: CaseCreateBody };
  alertAttachment: { type: 'alert'; alertId: string; index: string; rule: { id: string; name: string }; owner: string };
  comment: { type: 'user'; comment: string; owner: string };
  /** Data stream and document of the verdict record (bulk `create`, `_id` = keys.document). */
  dataStream: string;
  document: Record<string, unknown>;
}

export interface CaseCreateBody {
  title: string;
  description: string;
  owner: string;
  tags: string[];
  severity: 'low' | 'medium' | 'high' | 'critical';
  settings: { syncAlerts: boolean };
  connector: { id: 'none'; name: 'none'; type: '.none'; fields: null };
}

/** Kibana's first release with alert tags (`signals/tags`, `kibana.alert.workflow_tags`). */
export const FIRST_VERSION_WITH_ALERT_TAGS = [8, 10] as const;

export function supportsCloseReason(kibanaVersion: string): boolean {
  return isAtLeast(kibanaVersion, FIRST_VERSION_WITH_CLOSE_REASON);
}

export function supportsAlertTags(kibanaVersion: string): boolean {
  return isAtLeast(kibanaVersion, FIRST_VERSION_WITH_ALERT_TAGS);
}

function isAtLeast(version: string, [firstMajor, firstMinor]: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return major > firstMajor || (major === firstMajor && minor >= firstMinor);
}

export function elasticDeliveryKeys(result: TriageResult): ElasticDeliveryKeys {
  return {
    tags: deliveryKey(result, 'elastic:tags'),
    status: deliveryKey(result, 'elastic:status'),
    caseComment: deliveryKey(result, 'elastic:case-comment'),
    document: deliveryKey(result, 'elastic:verdict-document'),
  };
}

export function renderElasticResult(result: TriageResult, options: ElasticRenderOptions): RenderedOutput & { payload: ElasticWriteBack } {
  const keys = elasticDeliveryKeys(result);
  const marker = `${VERDICT_MARKER_PREFIX}${keys.caseComment}]`;
  const isClosing = options.closeOnBenign && (result.verdict === 'benign_positive' || result.verdict === 'false_positive');
  const reason = CLOSE_REASON[result.verdict];
  const verdictTag = VERDICT_TAGS[result.verdict];
  const tagsToAdd = isClosing ? [verdictTag, AUTO_CLOSED_TAG] : [verdictTag];
  const alertIndex = options.alertsIndex;
  const caseTag = `verdict-group:${result.fingerprint.slice(0, 40)}`;
  const severity = result.verdict === 'true_positive' ? 'high' : result.verdict === 'inconclusive' ? 'medium' : 'low';
  const payload: ElasticWriteBack = {
    alertId: result.alertId,
    alertIndex,
    keys,
    marker,
    isClosing,
    tags: {
      ids: [result.alertId],
      tags: { tags_to_add: tagsToAdd, tags_to_remove: [...Object.values(VERDICT_TAGS), AUTO_CLOSED_TAG, PENDING_TAG].filter((tag) => !tagsToAdd.includes(tag)) },
    },
    ...(isClosing ? { status: { signal_ids: [result.alertId], status: 'closed' as const, ...(reason && supportsCloseReason(options.kibanaVersion) ? { reason } : {}) } } : {}),
    caseGroup: {
      tag: caseTag,
      create: {
        title: truncate(`Verdict: ${result.ruleName}`, 160),
        description: truncate(`Alerts of rule "${result.ruleName}" triaged by Verdict (group ${result.fingerprint}). Each alert is attached with its verdict as a comment.`, 30_000),
        owner: options.caseOwner,
        tags: ['verdict', caseTag],
        severity,
        settings: { syncAlerts: false },
        connector: { id: 'none', name: 'none', type: '.none', fields: null },
      },
    },
    alertAttachment: { type: 'alert', alertId: result.alertId, index: alertIndex, rule: { id: result.ruleName, name: result.ruleName }, owner: options.caseOwner },
    comment: { type: 'user', comment: renderCaseComment(result, marker, isClosing), owner: options.caseOwner },
    dataStream: `logs-verdict.triage-${options.namespace}`,
    document: renderVerdictDocument(result, keys, isClosing, options.namespace),
  };
  return { idempotencyKey: keys.document, payload };
}

/**
 * The ECS verdict document: an enrichment event linked to the alert by `kibana.alert.uuid`, with
 * Verdict's own fields under `verdict.*` (mapped by manifests/elastic/index-template.json).
 */
function renderVerdictDocument(result: TriageResult, keys: ElasticDeliveryKeys, isClosing: boolean, namespace: string): Record<string, unknown> {
  return {
    '@timestamp': result.createdAt,
    ecs: { version: '9.4.0' },
    data_stream: { type: 'logs', dataset: 'verdict.triage', namespace },
    event: { kind: 'enrichment', category: ['intrusion_detection'], type: ['info'], dataset: 'verdict.triage', module: 'verdict', id: keys.document },
    rule: { name: result.ruleName, ...(result.ruleAuthor ? { author: [result.ruleAuthor] } : {}) },
    kibana: { alert: { uuid: result.alertId } },
    tags: ['verdict', VERDICT_TAGS[result.verdict]],
    verdict: {
      alert_id: result.alertId,
      verdict: result.verdict,
      confidence: result.confidence,
      probability_malicious: result.probabilityMalicious,
      summary: result.summary,
      auto_closed: isClosing,
      revision: result.revision ?? 1,
      delivery_key: keys.document,
      fingerprint: result.fingerprint,
      ...(result.duplicateOf ? { duplicate_of: result.duplicateOf } : {}),
      alert_time: result.alertTime,
      engine: { version: result.engine.version, mode: result.engine.mode, ...(result.engine.model ? { model: result.engine.model } : {}) },
      attack: result.attack.map((technique) => technique.id),
      evidence: result.evidence.map((item) => ({ id: item.id, kind: item.kind, claim: item.claim, weight: item.weight, source: item.source })),
      recommended_actions: result.recommendedActions.map((action) => ({ action: action.action, target: action.target, requires_approval: action.requiresApproval, reason: action.reason })),
    },
  };
}
