import { createHash } from 'node:crypto';
import { deliveryKey } from '../../core/spec/delivery-key.js';
import type { RenderedOutput } from '../../core/spec/plugin.js';
import type { TriageResult, Verdict } from '../../core/spec/result.js';
import { ARM_INCIDENT_ID_PREFIX, GRAPH_INCIDENT_ID_PREFIX } from './sentinel-normalize.js';

/**
 * TriageResult → everything Verdict writes into Defender XDR (Graph) and Sentinel (ARM). Pure.
 * Enum values are the CSDL's (`alertClassification`, `alertDetermination`, `alertStatus`,
 * `incidentStatus`) and the ARM spec's (`IncidentClassification`, `IncidentClassificationReason`,
 * `IncidentStatus`), camelCase for Graph and PascalCase for ARM, exactly.
 */

export interface SentinelRenderOptions {
  /** Set classification / determination (Graph) and classification + reason (ARM). Off by default. */
  writeClassification: boolean;
  /** Resolve (Graph) / close (ARM) what Verdict judges benign or false positive. Off by default. */
  closeOnBenign: boolean;
}

export type SentinelResource = 'alerts_v2' | 'incidents' | 'armIncident';

/** Graph classification and determination per verdict (platforms.md §6; CSDL members). */
export const GRAPH_CLASSIFICATION: Record<Exclude<Verdict, 'inconclusive'>, string> = {
  true_positive: 'truePositive',
  benign_positive: 'informationalExpectedActivity',
  false_positive: 'falsePositive',
};
const GRAPH_DETERMINATION: Record<Exclude<Verdict, 'inconclusive' | 'true_positive'>, string> = {
  benign_positive: 'confirmedActivity',
  false_positive: 'notMalicious',
};

/** The determinations a true positive may get (trueDetermination), most specific first. */
const TRUE_DETERMINATIONS = ['phishing', 'compromisedAccount', 'other'] as const;

/** Every determination Verdict writes with each Graph classification: anything else is an analyst's. */
export const VERDICT_DETERMINATIONS: Readonly<Record<string, readonly string[]>> = {
  [GRAPH_CLASSIFICATION.true_positive]: TRUE_DETERMINATIONS,
  [GRAPH_CLASSIFICATION.benign_positive]: [GRAPH_DETERMINATION.benign_positive],
  [GRAPH_CLASSIFICATION.false_positive]: [GRAPH_DETERMINATION.false_positive],
};

/** ARM classification and reason per verdict (Incidents.json enums). */
export const ARM_CLASSIFICATION: Record<Exclude<Verdict, 'inconclusive'>, { classification: string; classificationReason: string }> = {
  true_positive: { classification: 'TruePositive', classificationReason: 'SuspiciousActivity' },
  benign_positive: { classification: 'BenignPositive', classificationReason: 'SuspiciousButExpected' },
  false_positive: { classification: 'FalsePositive', classificationReason: 'IncorrectAlertLogic' },
};

/** Every comment Verdict writes carries this, so a retry can find an earlier attempt's write. */
export const VERDICT_MARKER_PREFIX = '[verdict:';
/** Tags and labels Verdict owns start with this; an older verdict's tag is replaced, others kept. */
export const VERDICT_TAG_PREFIX = 'verdict:';

export interface GraphWriteBack {
  /** PATCH /security/{alerts_v2|incidents}/{id} body (without customTags, merged at delivery). */
  patch: { classification?: string; determination?: string; status?: string };
  /** Tags to set on an incident (`customTags`); alerts have no customTags in the CSDL. */
  tags: string[];
  /** POST …/comments body. Graph comments are plain text. */
  comment: { '@odata.type': '#microsoft.graph.security.alertComment'; comment: string };
}

export interface ArmWriteBack {
  labels: string[];
  /** Properties set on the incident's PUT (read–modify–write with the current etag). */
  properties: { classification?: string; classificationReason?: string; classificationComment?: string; status?: 'Closed' };
  /** PUT …/comments/{name}: the name is derived from the key, so a retry replaces, never adds. */
  comment: { name: string; properties: { message: string } };
}

export interface SentinelWriteBack {
  resource: SentinelResource;
  /** Graph alert or incident id, or the ARM incident name. */
  nativeId: string;
  alertId: string;
  marker: string;
  isClosing: boolean;
  graph?: GraphWriteBack;
  arm?: ArmWriteBack;
}

export function resourceOf(alertId: string): { resource: SentinelResource; nativeId: string } {
  if (alertId.startsWith(ARM_INCIDENT_ID_PREFIX)) return { resource: 'armIncident', nativeId: alertId.slice(ARM_INCIDENT_ID_PREFIX.length) };
  if (alertId.startsWith(GRAPH_INCIDENT_ID_PREFIX)) return { resource: 'incidents', nativeId: alertId.slice(GRAPH_INCIDENT_ID_PREFIX.length) };
  return { resource: 'alerts_v2', nativeId: alertId };
}

export function sentinelIdempotencyKey(result: TriageResult): string {
  return deliveryKey(result, `sentinel:${resourceOf(result.alertId).resource}`);
}

export function renderSentinelResult(result: TriageResult, options: SentinelRenderOptions): RenderedOutput & { payload: SentinelWriteBack } {
  const idempotencyKey = sentinelIdempotencyKey(result);
  const marker = `${VERDICT_MARKER_PREFIX}${idempotencyKey}]`;
  const { resource, nativeId } = resourceOf(result.alertId);
  const verdict = result.verdict;
  const decided = verdict === 'inconclusive' ? undefined : verdict;
  const isClosing = options.closeOnBenign && (verdict === 'benign_positive' || verdict === 'false_positive');
  const tag = `${VERDICT_TAG_PREFIX}${verdict}`;
  const payload: SentinelWriteBack = { resource, nativeId, alertId: result.alertId, marker, isClosing };
  if (resource === 'armIncident') {
    const classification = options.writeClassification && decided ? ARM_CLASSIFICATION[decided] : undefined;
    payload.arm = {
      labels: [tag],
      properties: {
        ...(classification ? { ...classification, classificationComment: truncate(`Verdict: ${result.summary}`, 1000) } : {}),
        // ARM closes only with a classification: closing is tied to writing one.
        ...(isClosing && classification ? { status: 'Closed' as const } : {}),
      },
      comment: { name: commentName(idempotencyKey), properties: { message: renderHtmlComment(result, marker) } },
    };
  } else {
    const patch: GraphWriteBack['patch'] = {};
    if (options.writeClassification && decided) {
      patch.classification = GRAPH_CLASSIFICATION[decided];
      patch.determination = decided === 'true_positive' ? trueDetermination(result) : GRAPH_DETERMINATION[decided];
    }
    if (isClosing) patch.status = 'resolved';
    payload.graph = {
      patch,
      tags: resource === 'incidents' ? [tag] : [],
      comment: { '@odata.type': '#microsoft.graph.security.alertComment', comment: renderTextComment(result, marker) },
    };
  }
  return { idempotencyKey, payload };
}

/** A true positive's determination from what the detection is about; `other` when nothing says more. */
function trueDetermination(result: TriageResult): (typeof TRUE_DETERMINATIONS)[number] {
  const ids = result.attack.map((technique) => technique.id);
  if (ids.some((id) => id.startsWith('T1566'))) return 'phishing';
  if (ids.some((id) => id.startsWith('T1078'))) return 'compromisedAccount';
  return 'other';
}

/** A GUID-shaped comment name from the key (ARM comment names are caller-chosen). */
export function commentName(idempotencyKey: string): string {
  const hex = createHash('sha256').update(`sentinel-comment\u0000${idempotencyKey}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const VERDICT_LABEL: Record<Verdict, string> = {
  true_positive: 'true positive',
  benign_positive: 'benign positive',
  false_positive: 'false positive',
  inconclusive: 'inconclusive',
};
const SUGGESTED: Record<Verdict, string> = {
  true_positive: 'truePositive / SuspiciousActivity',
  benign_positive: 'informationalExpectedActivity / SuspiciousButExpected',
  false_positive: 'falsePositive / IncorrectAlertLogic',
  inconclusive: 'none (needs an analyst)',
};

const percent = (value: number): string => `${Math.round(value * 100)}%`;

function topEvidence(result: TriageResult) {
  return [...result.evidence].sort((left, right) => Math.abs(right.weight) - Math.abs(left.weight)).slice(0, 6);
}

function headline(result: TriageResult): string {
  return `Verdict (AI triage): ${VERDICT_LABEL[result.verdict]}, confidence ${percent(result.confidence)}, P(malicious) ${percent(result.probabilityMalicious)}${result.engine.mode === 'offline' ? '' : ` [${result.engine.mode}]`}`;
}

/** Plain-text Graph comment. */
export function renderTextComment(result: TriageResult, marker: string): string {
  const lines = [headline(result), `Suggested classification: ${SUGGESTED[result.verdict]}`, truncate(result.summary, 600)];
  const evidence = topEvidence(result);
  if (evidence.length > 0) lines.push('Evidence:', ...evidence.map((item) => `- (${item.weight > 0 ? '+' : ''}${item.weight.toFixed(2)}) ${truncate(item.claim, 240)} [${item.source}]`));
  if (result.recommendedActions.length > 0) {
    lines.push(
      'Recommended actions:',
      ...result.recommendedActions.slice(0, 5).map((action) => `- ${action.action} ${action.target}${action.requiresApproval ? ' (needs approval)' : ''}: ${truncate(action.reason, 160)}`),
    );
  }
  if (result.ruleAuthor) lines.push(`Rule author: ${result.ruleAuthor}`);
  if (result.duplicateOf) lines.push(`Duplicate of ${result.duplicateOf}`);
  lines.push(marker);
  return lines.join('\n');
}

/** HTML Sentinel comment: reasons, evidence and actions; every alert-derived text is escaped. */
export function renderHtmlComment(result: TriageResult, marker: string): string {
  const parts = [`<p><b>${escapeHtml(headline(result))}</b></p>`, `<p>Suggested classification: ${escapeHtml(SUGGESTED[result.verdict])}</p>`, `<p>${escapeHtml(truncate(result.summary, 1200))}</p>`];
  const evidence = topEvidence(result);
  if (evidence.length > 0) {
    parts.push(
      `<p><b>Evidence</b></p><ul>${evidence.map((item) => `<li>(${item.weight > 0 ? '+' : ''}${item.weight.toFixed(2)}) ${escapeHtml(truncate(item.claim, 400))} <i>[${escapeHtml(item.source)}]</i></li>`).join('')}</ul>`,
    );
  }
  if (result.recommendedActions.length > 0) {
    parts.push(
      `<p><b>Recommended actions</b></p><ul>${result.recommendedActions
        .slice(0, 5)
        .map((action) => `<li>${escapeHtml(`${action.action} ${action.target}`)}${action.requiresApproval ? ' (needs approval)' : ''}: ${escapeHtml(truncate(action.reason, 240))}</li>`)
        .join('')}</ul>`,
    );
  }
  if (result.ruleAuthor) parts.push(`<p>Rule author: ${escapeHtml(result.ruleAuthor)}</p>`);
  if (result.duplicateOf) parts.push(`<p>Duplicate of ${escapeHtml(result.duplicateOf)}</p>`);
  parts.push(`<p><small>${marker}</small></p>`);
  return parts.join('');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
