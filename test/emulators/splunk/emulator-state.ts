import { randomUUID } from 'node:crypto';
import type { Row } from './emulator-search.js';

/**
 * What the Splunk emulator remembers: notables with their incident-review history (ES 7), ES 8
 * findings and notes, HEC events, KV store collections, credentials in storage/passwords and conf
 * stanzas. Plain data; the HTTP layer in splunk-emulator.ts reads and writes it.
 */

export const STATUS_LABELS: Record<string, string> = {
  '0': 'Unassigned',
  '1': 'New',
  '2': 'In Progress',
  '3': 'Pending',
  '4': 'Resolved',
  '5': 'Closed',
};

export const DISPOSITION_LABELS: Record<string, string> = {
  'disposition:0': 'Unassigned',
  'disposition:1': 'True Positive - Suspicious Activity',
  'disposition:2': 'Benign Positive - Suspicious But Expected',
  'disposition:3': 'False Positive - Incorrect Analytic Logic',
  'disposition:4': 'False Positive - Inaccurate Data',
  'disposition:5': 'Other',
  'disposition:6': 'Undetermined',
};

const VERDICT_TO_DISPOSITION: Record<string, string> = {
  true_positive: 'disposition:1',
  benign_positive: 'disposition:2',
  false_positive: 'disposition:3',
  undetermined: 'disposition:6',
};

/** One incident_review_lookup row: every status/disposition/comment change, by whom and when. */
export interface ReviewRow {
  rule_id: string;
  time: number;
  status: string;
  urgency: string;
  owner: string;
  disposition: string;
  comment: string;
  user: string;
  rule_name?: string;
}

export interface HecRecord {
  channel?: string;
  ackId?: number;
  payload: Record<string, unknown>;
}

export interface Note {
  id: string;
  content: string;
  create_time: number;
  author: string;
}

export class SplunkEmulatorState {
  readonly notables = new Map<string, Row>();
  readonly reviews: ReviewRow[] = [];
  readonly findings = new Map<string, Row>();
  readonly notes = new Map<string, Note[]>();
  readonly hecEvents: HecRecord[] = [];
  readonly hecAckPending = new Map<string, Map<number, number>>();
  readonly kv = new Map<string, Map<string, Record<string, unknown>>>();
  readonly passwords: Array<{ realm: string; username: string; clear_password: string }> = [];
  readonly confs = new Map<string, Record<string, string>>();

  constructor(private readonly clock: () => number) {}

  nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Adds notables as ES writes them: `event_id` and `_time` (epoch seconds) are required. */
  addNotables(rows: Row[]): void {
    for (const row of rows) {
      const eventId = row.event_id;
      if (typeof eventId !== 'string' || typeof row._time !== 'string') throw new Error('a seeded notable needs event_id and _time');
      this.notables.set(eventId, { ...row });
    }
  }

  /** The `notable` macro: notable fields joined with the latest incident review for each. */
  notableView(): Row[] {
    return [...this.notables.values()].map((row) => {
      const eventId = String(row.event_id);
      const latest = this.latestReview(eventId);
      const view: Row = { ...row };
      if (latest) {
        Object.assign(view, {
          status: latest.status,
          urgency: latest.urgency || String(row.urgency ?? ''),
          owner: latest.owner,
          disposition: latest.disposition,
          comment: latest.comment,
          review_time: String(latest.time),
          reviewer: latest.user,
        });
      }
      const status = typeof view.status === 'string' && view.status in STATUS_LABELS ? view.status : '1';
      view.status = status;
      view.status_label = STATUS_LABELS[status] ?? 'New';
      const disposition = typeof view.disposition === 'string' && view.disposition !== '' ? view.disposition : 'disposition:0';
      view.disposition = disposition;
      view.disposition_label = DISPOSITION_LABELS[disposition] ?? 'Unassigned';
      if (view.urgency === '') delete view.urgency;
      return view;
    });
  }

  reviewView(): Row[] {
    return this.reviews.map((review) => {
      const row: Row = {};
      for (const [key, value] of Object.entries(review)) if (value !== undefined) row[key] = String(value);
      return row;
    });
  }

  latestReview(ruleId: string): ReviewRow | undefined {
    for (let index = this.reviews.length - 1; index >= 0; index -= 1) {
      if (this.reviews[index]?.rule_id === ruleId) return this.reviews[index];
    }
    return undefined;
  }

  /** Records a change the way ES does: the new row carries the full state after the change. */
  review(ruleId: string, change: Partial<Omit<ReviewRow, 'rule_id' | 'time'>> & { user: string }): ReviewRow {
    const previous = this.latestReview(ruleId);
    const notable = this.notables.get(ruleId) ?? this.findings.get(ruleId);
    const row: ReviewRow = {
      rule_id: ruleId,
      time: this.nowSeconds(),
      status: change.status ?? previous?.status ?? '1',
      urgency: change.urgency ?? previous?.urgency ?? String(notable?.urgency ?? ''),
      owner: change.owner ?? previous?.owner ?? 'unassigned',
      disposition: change.disposition ?? previous?.disposition ?? 'disposition:0',
      comment: change.comment ?? '',
      user: change.user,
      ...(typeof notable?.rule_name === 'string' ? { rule_name: notable.rule_name } : {}),
    };
    this.reviews.push(row);
    return row;
  }

  /** Analyst-side action for tests: an analyst sets a disposition in Incident Review. */
  setDisposition(eventId: string, disposition: string, options: { user?: string; comment?: string; status?: string } = {}): ReviewRow {
    const code = disposition.startsWith('disposition:') ? disposition : VERDICT_TO_DISPOSITION[disposition];
    if (!code || !(code in DISPOSITION_LABELS)) throw new Error(`unknown disposition ${disposition}`);
    if (!this.notables.has(eventId) && !this.findings.has(eventId)) throw new Error(`no notable or finding ${eventId}`);
    return this.review(eventId, {
      disposition: code,
      user: options.user ?? 'analyst',
      ...(options.comment ? { comment: options.comment } : {}),
      ...(options.status ? { status: options.status } : {}),
    });
  }

  addFinding(fields: Row): Row {
    const time = Number(fields._time ?? this.nowSeconds());
    const findingId = typeof fields.finding_id === 'string' ? fields.finding_id : `${randomUUID()}@@notable@@time${Math.floor(time)}`;
    const finding: Row = { ...fields, finding_id: findingId, _time: String(time) };
    this.findings.set(findingId, finding);
    return finding;
  }

  findingView(finding: Row): Row {
    const latest = this.latestReview(String(finding.finding_id));
    return latest ? { ...finding, status: latest.status, disposition: latest.disposition, owner: latest.owner } : { status: '1', disposition: 'disposition:0', ...finding };
  }

  collection(name: string): Map<string, Record<string, unknown>> | undefined {
    return this.kv.get(name);
  }

  createCollection(name: string): void {
    if (!this.kv.has(name)) this.kv.set(name, new Map());
  }
}

export { VERDICT_TO_DISPOSITION };
