import type { FastifyInstance } from 'fastify';
import { ApprovalDecisionSchema, ApprovalListQuerySchema, IdParamsSchema } from '../api-schemas.js';
import { HttpError, parseRequestPart } from '../http-error.js';
import type { ServerContext } from '../server-context.js';

/**
 * Approvals (scope `approve`): recommended actions policy says need a human. Verdict never runs
 * an action; a playbook polls GET /v1/approvals/{id} and acts once it is approved.
 */
export function registerApprovalRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runtime, options } = context;
  const { repository } = runtime;

  app.get('/v1/approvals', { config: { auth: { kind: 'token', scopes: ['approve'] } } }, async (request) => {
    const query = parseRequestPart(ApprovalListQuerySchema, request.query, 'query');
    await repository.expireApprovals(options.clock().toISOString());
    return repository.listApprovals({
      status: query.status ?? 'pending',
      limit: query.limit,
      ...(query.alertId ? { alertId: query.alertId } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  });

  app.get('/v1/approvals/:id', { config: { auth: { kind: 'token', scopes: ['approve', 'triage'] } } }, async (request) => {
    const { id } = parseRequestPart(IdParamsSchema, request.params, 'params');
    await repository.expireApprovals(options.clock().toISOString());
    const approval = await repository.getApproval(id);
    if (!approval) throw new HttpError(404, `no approval ${JSON.stringify(id)}`);
    return approval;
  });

  app.post('/v1/approvals/:id/decision', { config: { auth: { kind: 'token', scopes: ['approve'] } } }, async (request) => {
    const { id } = parseRequestPart(IdParamsSchema, request.params, 'params');
    const body = parseRequestPart(ApprovalDecisionSchema, request.body, 'body');
    const approver = request.principal?.name ?? 'unknown';
    const now = options.clock();
    const approval = await repository.getApproval(id);
    if (!approval) throw new HttpError(404, `no approval ${JSON.stringify(id)}`);
    if (approval.status === 'pending' && Date.parse(approval.expiresAt) <= now.getTime()) {
      await repository.decideApproval(id, { status: 'expired', decidedBy: 'verdict', decidedAt: now.toISOString(), comment: undefined });
      await audit(approver, 'approval.refused', id, `expired at ${approval.expiresAt}`);
      throw new HttpError(409, `approval ${id} expired at ${approval.expiresAt}: nothing may act on it; triage the alert again to ask anew`);
    }
    if (approval.status !== 'pending') throw new HttpError(409, `approval ${id} is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`);
    // Four eyes: the holder who asked for an action may never decide it, whichever token they use.
    if (approval.requestedBy === approver) {
      await audit(approver, 'approval.refused', id, 'self-approval');
      throw new HttpError(403, `${approver} requested this action and cannot decide it: another approver must`);
    }
    const status = body.decision === 'approve' ? 'approved' : 'rejected';
    const decided = await repository.decideApproval(id, { status, decidedBy: approver, decidedAt: now.toISOString(), comment: body.comment });
    if (!decided) throw new HttpError(409, `approval ${id} was decided by someone else just now`);
    await audit(approver, `approval.${body.decision}`, id, `${approval.action.action} ${approval.action.target} on alert ${approval.alertId}${body.comment ? `: ${body.comment.slice(0, 200)}` : ''}`);
    return { ...approval, status, decidedBy: approver, decidedAt: now.toISOString(), ...(body.comment ? { comment: body.comment } : {}) };
  });

  async function audit(actor: string, action: string, target: string, detail: string): Promise<void> {
    await repository.appendAudit({ time: options.clock().toISOString(), actor, action, target, detail });
  }
}
