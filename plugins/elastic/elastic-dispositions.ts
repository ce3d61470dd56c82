import { readString } from '../../core/normalize/finalize.js';
import type { AnalystVerdict, Disposition } from '../../core/spec/disposition.js';
import type { ElasticApi } from './elastic-api.js';

/**
 * Analyst decisions read back from Elastic Security: alerts an analyst closed with a reason
 * (`kibana.alert.workflow_reason`, Kibana 9.2+), and Verdict cases an analyst closed with a
 * verdict tag. Verdict's own writes never count:
 * - Kibana sets `kibana.alert.workflow_user` to the user profile uid of the session that changed
 *   the status, and to null when the request carried no session (Kibana's painless status script,
 *   `workflowUser: user?.profile_uid ?? null`). Verdict sends an Authorization header (API key or
 *   Basic), so its own closings carry null; a closing without a profile uid is an API client's,
 *   never taken as an analyst's.
 * - Cases record the username (`closed_by.username`), compared with Verdict's own.
 */

/** Close reasons that carry a verdict; `duplicate`, `automated_closure`, `other` carry none. */
const VERDICT_BY_REASON: Record<string, AnalystVerdict> = {
  true_positive: 'true_positive',
  benign_positive: 'benign_positive',
  false_positive: 'false_positive',
};

/** Case tags an analyst can set before closing a Verdict case (any case, lower-cased, `-`/space as `_`). */
const VERDICT_BY_CASE_TAG: Record<string, AnalystVerdict> = {
  true_positive: 'true_positive',
  benign_positive: 'benign_positive',
  false_positive: 'false_positive',
};

const MAX_CHANGES = 1000;

export async function readStatusDispositions(api: ElasticApi, alertsIndex: string, since: string): Promise<Disposition[]> {
  const hits = await api.search(
    alertsIndex,
    {
      // Only what can be a disposition: otherwise a window of MAX_CHANGES of Verdict's own closings
      // (no workflow_user) would give none, the read would not move on, and hide analysts' behind it.
      bool: {
        filter: [
          { term: { 'kibana.alert.workflow_status': 'closed' } },
          { range: { 'kibana.alert.workflow_status_updated_at': { gte: since } } },
          { terms: { 'kibana.alert.workflow_reason': Object.keys(VERDICT_BY_REASON) } },
          { exists: { field: 'kibana.alert.workflow_user' } },
        ],
      },
    },
    MAX_CHANGES,
    [{ 'kibana.alert.workflow_status_updated_at': 'asc' }],
  );
  const dispositions: Disposition[] = [];
  for (const hit of hits) {
    const source = hit._source;
    const reason = readString(source, 'kibana.alert.workflow_reason');
    const verdict = reason === undefined ? undefined : VERDICT_BY_REASON[reason];
    const analyst = readString(source, 'kibana.alert.workflow_user');
    const time = readString(source, 'kibana.alert.workflow_status_updated_at');
    // No profile uid: an API client changed the status (Verdict itself, or a script), not an analyst.
    if (!verdict || !time || Number.isNaN(Date.parse(time)) || !analyst) continue;
    const ruleName = readString(source, 'kibana.alert.rule.name');
    dispositions.push({
      alertId: readString(source, 'kibana.alert.uuid') ?? hit._id,
      verdict,
      analyst,
      time: new Date(time).toISOString(),
      platform: 'elastic',
      note: `closed in Elastic Security with reason ${reason}`,
      ...(ruleName ? { ruleName } : {}),
    });
  }
  return dispositions;
}

export async function readCaseDispositions(api: ElasticApi, owner: string, since: string, ownUser: string): Promise<Disposition[]> {
  const sinceMillis = Date.parse(since);
  const dispositions: Disposition[] = [];
  // Newest closings first, page after page until one closed before `since`.
  const isOlder = (found: { closed_at?: string | null }) => found.closed_at !== undefined && found.closed_at !== null && Date.parse(found.closed_at) < sinceMillis;
  const closed = await api.findCases({ owner, tags: 'verdict', status: 'closed', sortField: 'closedAt', sortOrder: 'desc' }, isOlder);
  for (const summary of closed.reverse()) {
    const closedAt = summary.closed_at ? Date.parse(summary.closed_at) : Number.NaN;
    if (Number.isNaN(closedAt) || closedAt < sinceMillis || summary.closed_by?.username === ownUser) continue;
    const verdict = summary.tags.map((tag) => VERDICT_BY_CASE_TAG[tag.toLowerCase().replace(/[\s-]+/g, '_')]).find((item) => item !== undefined);
    if (!verdict) continue; // A case closed without a verdict tag says nothing about the alerts.
    for (const alertId of new Set(await api.alertsOfCase(summary.id))) {
      dispositions.push({
        alertId,
        verdict,
        analyst: summary.closed_by?.username ?? 'unknown',
        time: new Date(closedAt).toISOString(),
        platform: 'elastic',
        note: `case ${summary.id} closed in Kibana as ${verdict}`,
      });
    }
  }
  return dispositions;
}
