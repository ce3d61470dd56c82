import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { ActionKind, RecommendedAction, Verdict } from '../spec/result.js';
import type { VerdictConfig } from '../config/config-schema.js';

type BlastRadius = RecommendedAction['blastRadius'];
type Criticality = 'low' | 'medium' | 'high' | 'critical';

/** The action catalogue: what each action touches. Nothing here executes anything. */
export const ACTION_CATALOGUE: Record<ActionKind, { blastRadius: BlastRadius; describe: (target: string) => string }> = {
  isolate_host: { blastRadius: 'high', describe: (target) => `Isolate host ${target} from the network` },
  disable_account: { blastRadius: 'high', describe: (target) => `Disable account ${target}` },
  revoke_sessions: { blastRadius: 'medium', describe: (target) => `Revoke active sessions of ${target}` },
  reset_password: { blastRadius: 'medium', describe: (target) => `Force a password reset for ${target}` },
  block_ip: { blastRadius: 'low', describe: (target) => `Block address ${target} at the perimeter` },
  block_domain: { blastRadius: 'low', describe: (target) => `Block domain ${target} in DNS / proxy` },
  block_hash: { blastRadius: 'low', describe: (target) => `Block file hash ${target} on endpoints` },
  purge_message: { blastRadius: 'medium', describe: (target) => `Purge the message from ${target} from all mailboxes` },
  open_case: { blastRadius: 'none', describe: () => 'Open a case for an analyst' },
  close_alert: { blastRadius: 'none', describe: () => 'Close the alert with the verdict as its classification' },
};

const CRITICALITY_RANK: Record<Criticality, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Highest asset criticality reported by the inventory enricher (`criticality=high` in detail). */
export function assetCriticality(evidence: readonly Evidence[]): Criticality | undefined {
  let best: Criticality | undefined;
  for (const item of evidence) {
    const match = item.detail?.match(/criticality=(low|medium|high|critical)/);
    const value = match?.[1] as Criticality | undefined;
    if (value && (best === undefined || CRITICALITY_RANK[value] > CRITICALITY_RANK[best])) best = value;
  }
  return best;
}

/**
 * Recommend stage (pure): proposes response actions for the verdict, and lets policy decide which
 * need a human. The model never takes part in this decision.
 */
export function recommend(alert: Alert, verdict: Verdict, confidence: number, evidence: readonly Evidence[], policy: VerdictConfig['policy']): RecommendedAction[] {
  const proposals: Array<{ action: ActionKind; target: string; reason: string }> = [];
  if (verdict === 'true_positive') {
    for (const entity of alert.entities) {
      if (entity.kind === 'host') proposals.push({ action: 'isolate_host', target: entity.value, reason: 'contain the affected host' });
      if (entity.kind === 'user') {
        proposals.push({ action: 'revoke_sessions', target: entity.value, reason: 'cut off an attacker using the account' });
        proposals.push({ action: 'reset_password', target: entity.value, reason: 'the account may be compromised' });
      }
      if (entity.kind === 'ip' && entity.role === 'source') proposals.push({ action: 'block_ip', target: entity.value, reason: 'the address is the source of the activity' });
      if (entity.kind === 'domain' && entity.role !== 'target') proposals.push({ action: 'block_domain', target: entity.value, reason: 'the domain is part of the activity' });
      if (entity.kind === 'hash') proposals.push({ action: 'block_hash', target: entity.value, reason: 'the file is part of the activity' });
      if (entity.kind === 'email' && entity.role === 'source') proposals.push({ action: 'purge_message', target: entity.value, reason: 'remove the message before more users open it' });
    }
    proposals.push({ action: 'open_case', target: alert.id, reason: 'a confirmed attack needs an owner' });
  } else if (verdict === 'inconclusive') {
    proposals.push({ action: 'open_case', target: alert.id, reason: 'the evidence does not settle it; an analyst should look' });
  } else {
    proposals.push({ action: 'close_alert', target: alert.id, reason: `judged ${verdict.replace('_', ' ')}` });
  }
  const criticality = assetCriticality(evidence);
  const seen = new Set<string>();
  const actions: RecommendedAction[] = [];
  for (const proposal of proposals) {
    const key = `${proposal.action}:${proposal.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { blastRadius, describe } = ACTION_CATALOGUE[proposal.action];
    const decision = approvalFor(proposal.action, blastRadius, confidence, criticality, policy);
    actions.push({
      id: `act-${actions.length + 1}`,
      action: proposal.action,
      target: proposal.target,
      blastRadius,
      requiresApproval: decision.requiresApproval,
      reason: `${describe(proposal.target)}: ${proposal.reason}.`,
      policyRule: decision.rule,
    });
  }
  return actions;
}

function approvalFor(
  action: ActionKind,
  blastRadius: BlastRadius,
  confidence: number,
  criticality: Criticality | undefined,
  policy: VerdictConfig['policy'],
): { requiresApproval: boolean; rule: string } {
  for (const rule of policy.approvalRules) {
    if (rule.actions.length > 0 && !rule.actions.includes(action)) continue;
    if (rule.minCriticality && (criticality === undefined || CRITICALITY_RANK[criticality] < CRITICALITY_RANK[rule.minCriticality])) continue;
    if (rule.maxConfidence !== undefined && confidence > rule.maxConfidence) continue;
    return { requiresApproval: rule.requiresApproval, rule: rule.name };
  }
  if (action === 'close_alert') return { requiresApproval: !policy.closeBenign, rule: policy.closeBenign ? 'default:close-benign-enabled' : 'default:close-needs-policy' };
  if (blastRadius === 'none') return { requiresApproval: false, rule: 'default:no-blast-radius' };
  if (blastRadius === 'low' && confidence >= 0.9 && (criticality === undefined || CRITICALITY_RANK[criticality] < 2)) {
    return { requiresApproval: false, rule: 'default:low-blast-radius-high-confidence' };
  }
  return { requiresApproval: true, rule: `default:${blastRadius}-blast-radius` };
}
