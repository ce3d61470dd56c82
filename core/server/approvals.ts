import { createHash } from 'node:crypto';
import type { TriageResult } from '../spec/result.js';
import type { Approval } from '../store/repository.js';

/**
 * The approvals a batch of verdicts asks for: one per recommended action policy marked
 * requiresApproval. The id is derived from alert, action and target, so triaging the same alert
 * again never queues the same action twice (and never reopens a decided one). A duplicate's
 * actions are its original's, already queued, so duplicates add none.
 */
export function approvalsFor(results: readonly TriageResult[], requestedBy: string, now: Date, ttlSeconds: number): Approval[] {
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
  const approvals: Approval[] = [];
  for (const result of results) {
    if (result.duplicateOf) continue;
    for (const action of result.recommendedActions) {
      // Console bookkeeping (close the alert, open a case) touches no system: the analyst does it
      // in the console, so it never floods the approval queue.
      if (!action.requiresApproval || action.blastRadius === 'none') continue;
      approvals.push({
        id: createHash('sha256').update(`${result.alertId}\u0000${action.action}\u0000${action.target}`).digest('hex').slice(0, 24),
        alertId: result.alertId,
        action,
        requestedBy,
        createdAt,
        expiresAt,
        status: 'pending',
        decidedBy: undefined,
        decidedAt: undefined,
        comment: undefined,
      });
    }
  }
  return approvals;
}
