import { deliveryKey } from '../../core/spec/delivery-key.js';
import type { RenderedOutput } from '../../core/spec/plugin.js';
import type { TriageResult, Verdict } from '../../core/spec/result.js';

/**
 * TriageResult → everything Verdict writes into Splunk. Pure: no clock, no randomness; the same
 * result always renders the same payload and the same idempotency key.
 */

/** ES disposition ids (platforms.md §1.5 / §6; labels confirmed by the Splunk SOAR app). */
export const SPLUNK_DISPOSITION: Record<Verdict, string> = {
  true_positive: 'disposition:1',
  benign_positive: 'disposition:2',
  false_positive: 'disposition:3',
  inconclusive: 'disposition:6',
};

/** ES notable status ids: 0 unassigned, 1 new, 2 in progress, 3 pending, 4 resolved, 5 closed. */
export const SPLUNK_STATUS_CLOSED = '5';

/** Written into every comment / note so a retry can find what an earlier attempt already wrote. */
export const VERDICT_MARKER_PREFIX = '[verdict:';

export interface SplunkRenderOptions {
  esVersion: 7 | 8;
  closeOnBenign: boolean;
  hecIndex?: string;
  hecSourcetype: string;
}

/** `POST /services/notable_update` form fields (ES 7). */
export interface NotableUpdateForm {
  ruleUIDs: string[];
  disposition: string;
  comment: string;
  status?: string;
}

/** ES 8: `POST …/missioncontrol/v1/investigations/{ref_id}?notable_time=` + a note on the finding. */
export interface FindingWriteBack {
  refId: string;
  notableTime?: string;
  update: { disposition: string; status?: string };
  note: { content: string };
}

/** One HEC event (`/services/collector/event`). */
export interface HecEvent {
  time: number;
  source: string;
  sourcetype: string;
  index?: string;
  event: Record<string, unknown>;
  fields: Record<string, string>;
}

/** One row of the `verdict_results` KV store collection; nested lists are JSON strings. */
export type VerdictKvRow = Record<string, string | number | boolean> & { _key: string };

/** `delivery_state` of a KV row: 'pending' while the write-back is under way (HEC may be sent), 'done' after. */
export type KvDeliveryState = 'pending' | 'done';

export interface SplunkWriteBack {
  esVersion: 7 | 8;
  alertId: string;
  marker: string;
  isClosing: boolean;
  notableUpdate?: NotableUpdateForm;
  finding?: FindingWriteBack;
  hecEvent: HecEvent;
  kvRow: VerdictKvRow;
}

/** The write-back's target in deliveryKey; the connector's delivery ledger uses the same. */
export const SPLUNK_WRITE_BACK_TARGET = 'splunk:write-back';

/**
 * A function of (alert id, verdict revision) only — never of the summary or score, which change
 * when a re-pulled notable is triaged again — so every retry finds what an earlier attempt wrote.
 */
export function splunkIdempotencyKey(result: TriageResult): string {
  return deliveryKey(result, SPLUNK_WRITE_BACK_TARGET);
}

export function renderSplunkResult(result: TriageResult, options: SplunkRenderOptions): RenderedOutput & { payload: SplunkWriteBack } {
  const idempotencyKey = splunkIdempotencyKey(result);
  const marker = `${VERDICT_MARKER_PREFIX}${idempotencyKey}]`;
  const isClosing = options.closeOnBenign && (result.verdict === 'benign_positive' || result.verdict === 'false_positive');
  const comment = renderComment(result, marker);
  const disposition = SPLUNK_DISPOSITION[result.verdict];
  const status = isClosing ? SPLUNK_STATUS_CLOSED : undefined;
  const payload: SplunkWriteBack = {
    esVersion: options.esVersion,
    alertId: result.alertId,
    marker,
    isClosing,
    hecEvent: renderHecEvent(result, idempotencyKey, isClosing, options),
    kvRow: renderKvRow(result, idempotencyKey, isClosing),
  };
  if (options.esVersion === 7) {
    payload.notableUpdate = { ruleUIDs: [result.alertId], disposition, comment, ...(status ? { status } : {}) };
  } else {
    const notableTime = result.alertId.match(/time(\d+)$/)?.[1];
    payload.finding = {
      refId: result.alertId,
      ...(notableTime ? { notableTime } : {}),
      update: { disposition, ...(status ? { status } : {}) },
      note: { content: comment },
    };
  }
  return { idempotencyKey, payload };
}

const VERDICT_LABEL: Record<Verdict, string> = {
  true_positive: 'true positive',
  benign_positive: 'benign positive',
  false_positive: 'false positive',
  inconclusive: 'inconclusive',
};

const percent = (value: number): string => `${Math.round(value * 100)}%`;

/** Plain-text comment for the notable / finding note. Splunk renders comments as text. */
export function renderComment(result: TriageResult, marker: string): string {
  const lines = [
    `Verdict (AI triage): ${VERDICT_LABEL[result.verdict]}, confidence ${percent(result.confidence)}, P(malicious) ${percent(result.probabilityMalicious)}${result.engine.mode === 'offline' ? '' : ` [${result.engine.mode}]`}`,
    truncate(result.summary, 600),
  ];
  const evidence = [...result.evidence].sort((left, right) => Math.abs(right.weight) - Math.abs(left.weight)).slice(0, 5);
  if (evidence.length > 0) {
    lines.push('Evidence:');
    for (const item of evidence) {
      const sign = item.weight > 0 ? '+' : '';
      lines.push(`- (${sign}${item.weight.toFixed(2)}) ${truncate(item.claim, 240)} [${item.source}]`);
    }
  }
  if (result.recommendedActions.length > 0) {
    lines.push('Recommended actions:');
    for (const action of result.recommendedActions.slice(0, 5)) {
      lines.push(`- ${action.action} ${action.target}${action.requiresApproval ? ' (needs approval)' : ''}: ${truncate(action.reason, 160)}`);
    }
  }
  if (result.ruleAuthor) lines.push(`Rule author: ${result.ruleAuthor}`);
  if (result.duplicateOf) lines.push(`Duplicate of ${result.duplicateOf}`);
  lines.push(marker);
  return lines.join('\n');
}

function renderHecEvent(result: TriageResult, idempotencyKey: string, isClosing: boolean, options: SplunkRenderOptions): HecEvent {
  return {
    time: Date.parse(result.createdAt) / 1000,
    source: 'verdict',
    sourcetype: options.hecSourcetype,
    ...(options.hecIndex ? { index: options.hecIndex } : {}),
    event: {
      alert_id: result.alertId,
      rule_name: result.ruleName,
      ...(result.ruleAuthor ? { rule_author: result.ruleAuthor } : {}),
      verdict: result.verdict,
      confidence: result.confidence,
      probability_malicious: result.probabilityMalicious,
      summary: result.summary,
      auto_closed: isClosing,
      evidence: result.evidence,
      attack: result.attack.map((technique) => technique.id),
      recommended_actions: result.recommendedActions,
      trace: result.trace,
      engine: result.engine,
      fingerprint: result.fingerprint,
      ...(result.duplicateOf ? { duplicate_of: result.duplicateOf } : {}),
      alert_time: result.alertTime,
      idempotency_key: idempotencyKey,
    },
    fields: { verdict: result.verdict, alert_id: result.alertId, idempotency_key: idempotencyKey },
  };
}

function renderKvRow(result: TriageResult, idempotencyKey: string, isClosing: boolean): VerdictKvRow {
  return {
    _key: idempotencyKey,
    idempotency_key: idempotencyKey,
    alert_id: result.alertId,
    rule_name: result.ruleName,
    rule_author: result.ruleAuthor ?? '',
    verdict: result.verdict,
    confidence: result.confidence,
    probability_malicious: result.probabilityMalicious,
    summary: result.summary,
    auto_closed: isClosing,
    attack: result.attack.map((technique) => technique.id).join(','),
    evidence_json: JSON.stringify(result.evidence),
    recommended_actions_json: JSON.stringify(result.recommendedActions),
    trace_json: JSON.stringify(result.trace),
    engine_mode: result.engine.mode,
    engine_version: result.engine.version,
    fingerprint: result.fingerprint,
    alert_time: Date.parse(result.alertTime) / 1000,
    created_at: Date.parse(result.createdAt) / 1000,
    delivery_state: 'done',
  };
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
