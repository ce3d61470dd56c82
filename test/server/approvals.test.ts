import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE_EVERYTHING, sampleAlert, startTestServer, type TestServer } from './server-harness.js';

describe('approvals', () => {
  let harness: TestServer;
  let now = new Date('2026-03-01T12:00:00.000Z');
  beforeAll(async () => {
    harness = await startTestServer({ clock: () => now, approvalTtlSeconds: 3600 }, APPROVE_EVERYTHING);
  });
  afterAll(async () => harness.close());

  async function pendingFor(alertId: string, token: string) {
    const response = await harness.request('GET', `/v1/approvals?alertId=${alertId}`, { token });
    expect(response.status).toBe(200);
    return response.json.items as Array<{ id: string; requestedBy: string; status: string; action: { requiresApproval: boolean } }>;
  }

  it('queues every action that needs approval, once, requested by the submitting token holder', async () => {
    const triaged = await harness.request('POST', '/v1/triage', { token: harness.tokens.approver, body: sampleAlert('ap-1') });
    // Containment needs a human; console bookkeeping (blast radius none) never queues.
    const needing = triaged.json.results[0].recommendedActions.filter((action: { requiresApproval: boolean; blastRadius: string }) => action.requiresApproval && action.blastRadius !== 'none');
    expect(needing.length).toBeGreaterThan(0);
    await harness.request('POST', '/v1/triage', { token: harness.tokens.approver, body: sampleAlert('ap-1') });
    const pending = await pendingFor('ap-1', harness.tokens.otherApprover);
    expect(pending).toHaveLength(needing.length);
    expect(pending.every((approval) => approval.requestedBy === 'alice' && approval.status === 'pending')).toBe(true);
  });

  it('never lets the requester approve their own request, whichever token they use', async () => {
    const [approval] = await pendingFor('ap-1', harness.tokens.approver);
    const self = await harness.request('POST', `/v1/approvals/${approval!.id}/decision`, { token: harness.tokens.approver, body: { decision: 'approve' } });
    expect(self.status).toBe(403);
    expect(self.json.detail).toContain('cannot decide');
    const { issueToken } = await import('../../core/server/tokens.js');
    const second = issueToken({ name: 'alice', scopes: ['approve'] });
    await harness.runtime.repository.createToken(second.token);
    expect((await harness.request('POST', `/v1/approvals/${approval!.id}/decision`, { token: second.bearer, body: { decision: 'approve' } })).status).toBe(403);
    expect((await harness.runtime.repository.getApproval(approval!.id))?.status).toBe('pending');
  });

  it('lets another approver decide once, and audits the decision', async () => {
    const [approval] = await pendingFor('ap-1', harness.tokens.otherApprover);
    const decided = await harness.request('POST', `/v1/approvals/${approval!.id}/decision`, {
      token: harness.tokens.otherApprover,
      body: { decision: 'approve', comment: 'confirmed with the host owner' },
    });
    expect(decided.status).toBe(200);
    expect(decided.json).toMatchObject({ id: approval!.id, status: 'approved', decidedBy: 'bob', comment: 'confirmed with the host owner' });
    const again = await harness.request('POST', `/v1/approvals/${approval!.id}/decision`, { token: harness.tokens.admin, body: { decision: 'reject' } });
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain('already approved');
    const polled = await harness.request('GET', `/v1/approvals/${approval!.id}`, { token: harness.tokens.triage });
    expect(polled.json.status).toBe('approved');
    const audit = await harness.runtime.repository.listAudit(50);
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'bob', action: 'approval.approve', target: approval!.id }));
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'alice', action: 'approval.refused', detail: 'self-approval' }));
  });

  it('refuses to approve an expired approval and marks it expired', async () => {
    await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('ap-2', { ruleName: 'Other rule' }) });
    const [approval] = await pendingFor('ap-2', harness.tokens.otherApprover);
    now = new Date(now.getTime() + 3601 * 1000);
    const late = await harness.request('POST', `/v1/approvals/${approval!.id}/decision`, { token: harness.tokens.otherApprover, body: { decision: 'approve' } });
    expect(late.status).toBe(409);
    expect(late.json.detail).toContain('expired');
    expect((await harness.runtime.repository.getApproval(approval!.id))?.status).toBe('expired');
    expect(await pendingFor('ap-2', harness.tokens.otherApprover)).toEqual([]);
  });

  it('requests an expired approval again when the alert is triaged again (issue 11, finding 11)', async () => {
    // ap-2's approvals expired in the test above; the same alert sent again must queue them anew.
    const expired = (await harness.runtime.repository.listApprovals({ alertId: 'ap-2', limit: 10 })).items;
    expect(expired.length).toBeGreaterThan(0);
    expect(expired.every((approval) => approval.status === 'expired')).toBe(true);
    const again = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('ap-2', { ruleName: 'Other rule' }) });
    expect(again.status).toBe(200);
    const pending = await pendingFor('ap-2', harness.tokens.otherApprover);
    expect(pending.map((approval) => approval.id).sort()).toEqual(expired.map((approval) => approval.id).sort());
    expect(pending.every((approval) => approval.status === 'pending')).toBe(true);
    const [approval] = pending;
    const decided = await harness.request('POST', `/v1/approvals/${approval!.id}/decision`, { token: harness.tokens.otherApprover, body: { decision: 'approve' } });
    expect(decided.status).toBe(200);
  });

  it('validates the decision body and answers 404 for unknown approvals', async () => {
    const bad = await harness.request('POST', '/v1/approvals/whatever/decision', { token: harness.tokens.otherApprover, body: { decision: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].path).toBe('decision');
    const missing = await harness.request('POST', '/v1/approvals/whatever/decision', { token: harness.tokens.otherApprover, body: { decision: 'reject' } });
    expect(missing.status).toBe(404);
  });
});
