import { afterEach, beforeEach, describe, expect, it as vitestIt } from 'vitest';
import type { TriageResult } from '../../core/spec/result.js';
import { MAX_RECORD_BYTES } from '../../core/store/paging.js';
import type { ApiToken, Approval, StoredDisposition, VerdictRepository } from '../../core/store/repository.js';

/** One fresh, empty store, and a way to open the same storage again after closing it. */
export interface RepositoryFixture {
  repository: VerdictRepository;
  reopen(): Promise<VerdictRepository>;
  cleanup?(): Promise<void>;
}

export interface RepositorySuiteOptions {
  /** Skip the whole suite, saying why (shown in the suite name). */
  skip?: string;
  /** Skip single tests, saying why (as Hono's runTest does). */
  skipTests?: { reason: string; tests: string[] };
}

/**
 * The contract every VerdictRepository meets, in the style of unstorage's testDriver: each store
 * calls this with a factory and must pass all of it.
 */
export function runRepositorySuite(name: string, factory: () => Promise<RepositoryFixture>, options: RepositorySuiteOptions = {}): void {
  const title = options.skip ? `repository: ${name} (skipped: ${options.skip})` : `repository: ${name}`;
  describe.skipIf(options.skip !== undefined)(title, () => {
    let fixture: RepositoryFixture;
    let repository: VerdictRepository;
    beforeEach(async () => {
      fixture = await factory();
      repository = fixture.repository;
    });
    afterEach(async () => {
      await repository.close();
      await fixture.cleanup?.();
    });
    const it = (testName: string, body: () => Promise<void>): void => {
      if (options.skipTests?.tests.includes(testName)) vitestIt.skip(`${testName} (skipped: ${options.skipTests.reason})`, body);
      else vitestIt(testName, body);
    };

    it('answers ping and keeps its data when reopened (migrations run once)', async () => {
      await repository.ping();
      await repository.setCheckpoint('splunk', 'cursor-1');
      await repository.close();
      repository = await fixture.reopen();
      await repository.ping();
      expect(await repository.getCheckpoint('splunk')).toBe('cursor-1');
    });

    it('saves triage state with the verdicts in one transaction: upserts, deletes, namespaces, and reads it back after a reopen', async () => {
      const verdict = result({ alertId: 's1' });
      await repository.saveResults([{ result: verdict, entityKeys: ['host:a'] }], {
        upserts: [
          { part: 'context.subject', key: 'host:a', body: '{"n":1}' },
          { part: 'context.subject', key: 'host:b', body: '{"n":2}' },
          { part: 'engine.duplicate', key: 'fp1', body: '[1,"s1",0,0.5,0.5]' },
        ],
        deletes: [],
      });
      // A later batch changes one row, deletes another; state without verdicts is saved too.
      await repository.saveResults([], { upserts: [{ part: 'context.subject', key: 'host:a', body: '{"n":3}' }], deletes: [{ part: 'context.subject', key: 'host:b' }] });
      await repository.saveResults([], { namespace: 'tenant-2', upserts: [{ part: 'context.subject', key: 'host:a', body: '{"n":9}' }], deletes: [] });
      await repository.close();
      repository = await fixture.reopen();
      expect(await repository.loadState()).toEqual([
        { part: 'context.subject', key: 'host:a', body: '{"n":3}' },
        { part: 'engine.duplicate', key: 'fp1', body: '[1,"s1",0,0.5,0.5]' },
      ]);
      expect(await repository.loadState('tenant-2')).toEqual([{ part: 'context.subject', key: 'host:a', body: '{"n":9}' }]);
      expect([...(await repository.getResults(['s1', 'missing'])).keys()]).toEqual(['s1']);
      expect((await repository.getResults(['s1'])).get('s1')).toEqual(verdict);
    });

    it('finds a batch of stored verdicts by id, whatever characters the ids hold', async () => {
      const ids = ['plain-1', 'quote"and\\backslash', 'ctrl\u0001', 'accent-é', 'emoji-😀', 'lone-\ud800', 'lone-\udc00-low', 'x'.repeat(500)];
      await repository.saveResults(ids.map((alertId) => ({ result: result({ alertId }), entityKeys: [] })));
      for (const asked of [ids, [...ids, 'missing'], ids.filter((id) => !id.startsWith('lone')), ['missing', 'also-missing'], []]) {
        const found = await repository.getResults(asked);
        const stored = asked.filter((id) => id !== 'missing' && id !== 'also-missing');
        expect([...found.keys()].sort()).toEqual([...stored].sort());
        for (const id of stored) expect(found.get(id)!.alertId).toBe((await repository.getResult(id))!.alertId);
      }
    });

    it('keeps state and verdicts together: a failing batch writes neither', async () => {
      const bad = result({ alertId: 'bad' });
      // A body that is not a string cannot be stored: the whole write fails, state included.
      await expect(
        repository.saveResults([{ result: bad, entityKeys: [] }], { upserts: [{ part: 'context.subject', key: 'host:x', body: null as unknown as string }], deletes: [] }),
      ).rejects.toThrow();
      expect(await repository.getResult('bad')).toBeUndefined();
      expect(await repository.loadState()).toEqual([]);
    });

    it('versions the state: every write bumps it, and a write against an older version rolls back whole', async () => {
      expect(await repository.stateVersion()).toBe(0);
      await repository.saveResults([{ result: result({ alertId: 'v1' }), entityKeys: [] }], { baseVersion: 0, upserts: [{ part: 'context.subject', key: 'host:a', body: '{"n":1}' }], deletes: [] });
      expect(await repository.stateVersion()).toBe(1);
      // Another process wrote first (it also started from version 0): nothing of this write lands.
      await expect(
        repository.saveResults([{ result: result({ alertId: 'v2' }), entityKeys: [] }], { baseVersion: 0, upserts: [{ part: 'context.subject', key: 'host:b', body: '{"n":2}' }], deletes: [] }),
      ).rejects.toMatchObject({ name: 'StateConflictError', message: expect.stringMatching(/changed by another process.*reload the state/) });
      expect(await repository.getResult('v2')).toBeUndefined();
      expect(await repository.loadState()).toEqual([{ part: 'context.subject', key: 'host:a', body: '{"n":1}' }]);
      expect(await repository.stateVersion()).toBe(1);
      // Dispositions and suppressions change what verdicts depend on: they bump it too.
      await repository.saveDisposition(
        { alertId: 'v1', fingerprint: undefined, ruleName: 'r', entityKeys: [], verdict: 'false_positive', analyst: 'alice', time: '2026-01-01T00:00:00.000Z', note: undefined, platform: 'cli' },
        { baseVersion: 1, upserts: [], deletes: [] },
      );
      expect(await repository.stateVersion()).toBe(2);
      await repository.addSuppression({ name: 'quiet', owner: 'alice', reason: 'test', rule: 'r', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-02-01T00:00:00.000Z' });
      expect(await repository.removeSuppression('quiet')).toBe(true);
      expect(await repository.stateVersion()).toBe(4);
      // Namespaces count apart.
      await repository.saveResults([], { namespace: 'tenant-2', baseVersion: 0, upserts: [{ part: 'context.subject', key: 'host:a', body: '{}' }], deletes: [] });
      expect(await repository.stateVersion('tenant-2')).toBe(1);
      expect(await repository.stateVersion()).toBe(4);
    });

    it('stores a disposition with the calibration state it changed', async () => {
      await repository.saveDisposition(
        { alertId: 'a1', fingerprint: undefined, ruleName: 'r', entityKeys: [], verdict: 'false_positive', analyst: 'alice', time: '2026-01-01T00:00:00.000Z', note: undefined, platform: 'cli' },
        { upserts: [{ part: 'calibration', key: 'isotonic', body: '{"n":1}' }], deletes: [] },
      );
      expect(await repository.listDispositions()).toHaveLength(1);
      expect(await repository.loadState()).toEqual([{ part: 'calibration', key: 'isotonic', body: '{"n":1}' }]);
    });

    it('upserts verdicts by alert id and reads them back whole', async () => {
      const first = result({ alertId: 'a1', verdict: 'inconclusive' });
      await repository.saveResults([{ result: first, entityKeys: ['host:WEB01'] }]);
      expect(await repository.getResult('a1')).toEqual(first);
      const second = result({ alertId: 'a1', verdict: 'true_positive', summary: 'changed' });
      await repository.saveResults([{ result: second, entityKeys: ['user:alice'] }]);
      expect(await repository.getResult('a1')).toEqual(second);
      expect(await repository.getResult('missing')).toBeUndefined();
      expect(await repository.getEntityKeys('a1')).toEqual(['host:web01', 'user:alice']);
    });

    it('keeps the last result when one batch holds the same alert twice', async () => {
      await repository.saveResults([
        { result: result({ alertId: 'a1', summary: 'first' }), entityKeys: ['host:a'] },
        { result: result({ alertId: 'a1', summary: 'second' }), entityKeys: ['host:a'] },
      ]);
      expect((await repository.getResult('a1'))?.summary).toBe('second');
      expect((await repository.listResults({ limit: 10 })).items).toHaveLength(1);
    });

    it('finds the earliest verdict with a fingerprint, with its entity keys', async () => {
      await repository.saveResults([
        { result: result({ alertId: 'late', fingerprint: 'fp1', createdAt: '2026-01-01T00:00:02.000Z' }), entityKeys: ['host:b'] },
        { result: result({ alertId: 'early', fingerprint: 'fp1', createdAt: '2026-01-01T00:00:01.000Z' }), entityKeys: ['host:a'] },
      ]);
      const found = await repository.getResultByFingerprint('fp1');
      expect(found?.result.alertId).toBe('early');
      expect(found?.entityKeys).toEqual(['host:a']);
      expect(await repository.getResultByFingerprint('nope')).toBeUndefined();
    });

    it('filters verdicts by rule, verdict, since and entity (case-insensitive)', async () => {
      await repository.saveResults([
        { result: result({ alertId: 'r1', ruleName: 'Brute force', verdict: 'true_positive', alertTime: '2026-01-01T10:00:00.000Z' }), entityKeys: ['host:Web01'] },
        { result: result({ alertId: 'r2', ruleName: 'Brute force', verdict: 'false_positive', alertTime: '2026-01-02T10:00:00.000Z' }), entityKeys: ['host:db01'] },
        { result: result({ alertId: 'r3', ruleName: 'Port scan', verdict: 'true_positive', alertTime: '2026-01-03T10:00:00.000Z' }), entityKeys: ['host:web01'] },
      ]);
      const ids = async (query: Parameters<VerdictRepository['listResults']>[0]) => (await repository.listResults(query)).items.map((item) => item.alertId);
      expect(await ids({ limit: 10 })).toEqual(['r3', 'r2', 'r1']);
      expect(await ids({ limit: 10, rule: 'Brute force' })).toEqual(['r2', 'r1']);
      expect(await ids({ limit: 10, verdict: 'true_positive' })).toEqual(['r3', 'r1']);
      expect(await ids({ limit: 10, since: '2026-01-02T00:00:00.000Z' })).toEqual(['r3', 'r2']);
      expect(await ids({ limit: 10, entity: 'HOST:WEB01' })).toEqual(['r3', 'r1']);
      expect(await ids({ limit: 10, rule: 'Brute force', entity: 'host:web01' })).toEqual(['r1']);
    });

    it('pages verdicts with a keyset cursor: every item once, in order, ties broken by id', async () => {
      const times = [
        '2026-01-01T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
        '2026-01-03T00:00:00.000Z',
        '2026-01-04T00:00:00.000Z',
        '2026-01-04T00:00:00.000Z',
      ];
      await repository.saveResults(times.map((alertTime, index) => ({ result: result({ alertId: `p${index}`, alertTime }), entityKeys: [] })));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await repository.listResults({ limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((item) => item.alertId));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(['p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);
    });

    it('stores a disposition once however often it is imported', async () => {
      const disposition: StoredDisposition = {
        alertId: 'a1',
        fingerprint: undefined,
        ruleName: 'Brute force',
        entityKeys: ['host:web01'],
        verdict: 'false_positive',
        analyst: 'alice',
        time: '2026-01-01T00:00:00.000Z',
        note: 'known scanner',
        platform: 'splunk',
      };
      await repository.saveDisposition(disposition);
      await repository.saveDisposition(disposition);
      await repository.saveDisposition({ ...disposition, analyst: 'bob', note: undefined, platform: undefined });
      const stored = await repository.listDispositions();
      expect(stored).toHaveLength(2);
      expect(stored).toContainEqual(disposition);
      expect(stored).toContainEqual({ ...disposition, analyst: 'bob', note: undefined, platform: undefined });
    });

    it('upserts, lists and removes suppressions', async () => {
      const suppression = { name: 'scanner', owner: 'alice', reason: 'sanctioned scanner', rule: 'Port scan', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-02-01T00:00:00.000Z' };
      await repository.addSuppression(suppression);
      await repository.addSuppression({ ...suppression, reason: 'updated' });
      expect(await repository.listSuppressions()).toEqual([{ ...suppression, reason: 'updated' }]);
      expect(await repository.removeSuppression('scanner')).toBe(true);
      expect(await repository.removeSuppression('scanner')).toBe(false);
      expect(await repository.listSuppressions()).toEqual([]);
    });

    it('keeps dead letters newest first, truncating huge records', async () => {
      await repository.addDeadLetter({
        source: 'api',
        reason: 'first',
        issues: [{ path: 'time', message: 'required' }],
        record: 'x'.repeat(MAX_RECORD_BYTES + 10),
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      await repository.addDeadLetter({ source: 'api', reason: 'second', issues: [], record: '{}', createdAt: '2026-01-01T00:00:01.000Z' });
      const letters = await repository.listDeadLetters(10);
      expect(letters.map((letter) => letter.reason)).toEqual(['second', 'first']);
      expect(letters[1]?.record).toHaveLength(MAX_RECORD_BYTES);
      expect(letters[1]?.issues).toEqual([{ path: 'time', message: 'required' }]);
      expect(await repository.listDeadLetters(1)).toHaveLength(1);
    });

    it('appends audit entries and lists them newest first', async () => {
      await repository.appendAudit({ time: '2026-01-01T00:00:00.000Z', actor: 'alice', action: 'triage', target: 'a1', detail: '1 alert' });
      await repository.appendAudit({ time: '2026-01-01T00:00:01.000Z', actor: 'bob', action: 'approval.approve', target: 'ap1', detail: '' });
      const entries = await repository.listAudit(10);
      expect(entries.map((entry) => [entry.actor, entry.action])).toEqual([
        ['bob', 'approval.approve'],
        ['alice', 'triage'],
      ]);
      expect(typeof entries[0]?.id).toBe('number');
    });

    it('overwrites checkpoints', async () => {
      expect(await repository.getCheckpoint('elastic')).toBeUndefined();
      await repository.setCheckpoint('elastic', '1');
      await repository.setCheckpoint('elastic', '2');
      expect(await repository.getCheckpoint('elastic')).toBe('2');
    });

    it('stores tokens, revokes them once and records their last use', async () => {
      await repository.createToken(token({ id: 't1', name: 'soar', scopes: ['triage', 'feedback'] }));
      await repository.createToken(token({ id: 't2', name: 'alice', scopes: ['approve'], expiresAt: '2027-01-01T00:00:00.000Z', createdAt: '2026-01-02T00:00:00.000Z' }));
      expect(await repository.getToken('t1')).toEqual(token({ id: 't1', name: 'soar', scopes: ['triage', 'feedback'] }));
      expect(await repository.getToken('nope')).toBeUndefined();
      expect((await repository.listTokens()).map((item) => item.id)).toEqual(['t1', 't2']);
      expect(await repository.revokeToken('t1', '2026-01-03T00:00:00.000Z')).toBe(true);
      expect(await repository.revokeToken('t1', '2026-01-04T00:00:00.000Z')).toBe(false);
      expect(await repository.revokeToken('nope', '2026-01-04T00:00:00.000Z')).toBe(false);
      expect((await repository.getToken('t1'))?.revokedAt).toBe('2026-01-03T00:00:00.000Z');
      await repository.touchToken('t2', '2026-01-05T00:00:00.000Z');
      expect((await repository.getToken('t2'))?.lastUsedAt).toBe('2026-01-05T00:00:00.000Z');
    });

    it('rejects only the write that fails when writes are issued together', async () => {
      const outcomes = await Promise.allSettled([
        repository.createToken(token({ id: 'dup', name: 'first' })),
        repository.createToken(token({ id: 'dup', name: 'second' })),
        repository.setCheckpoint('together', 'yes'),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      expect(outcomes[2]?.status).toBe('fulfilled');
      expect(await repository.getCheckpoint('together')).toBe('yes');
      expect((await repository.listTokens()).filter((item) => item.id === 'dup')).toHaveLength(1);
    });

    it('saves approvals once: a second save never resets a decided approval', async () => {
      const pending = approval({ id: 'ap1' });
      await repository.saveApprovals([pending]);
      expect(await repository.decideApproval('ap1', { status: 'approved', decidedBy: 'bob', decidedAt: '2026-01-01T01:00:00.000Z', comment: 'ok' })).toBe(true);
      await repository.saveApprovals([pending]);
      expect(await repository.getApproval('ap1')).toEqual({ ...pending, status: 'approved', decidedBy: 'bob', decidedAt: '2026-01-01T01:00:00.000Z', comment: 'ok' });
      expect(await repository.getApproval('nope')).toBeUndefined();
    });

    it('decides an approval exactly once, even when two deciders race', async () => {
      await repository.saveApprovals([approval({ id: 'ap1' })]);
      const decisions = await Promise.all(
        ['bob', 'carol'].map((decidedBy) => repository.decideApproval('ap1', { status: 'rejected', decidedBy, decidedAt: '2026-01-01T01:00:00.000Z', comment: undefined })),
      );
      expect(decisions.filter(Boolean)).toHaveLength(1);
      expect((await repository.getApproval('ap1'))?.status).toBe('rejected');
    });

    it('requests an expired approval again (swept or only past its expiry), never a decided one', async () => {
      await repository.saveApprovals([
        approval({ id: 'swept', expiresAt: '2026-01-01T01:00:00.000Z' }),
        approval({ id: 'unswept', expiresAt: '2026-01-01T03:00:00.000Z' }),
        approval({ id: 'decided', status: 'rejected', decidedBy: 'bob', decidedAt: '2026-01-01T00:30:00.000Z' }),
      ]);
      expect(await repository.expireApprovals('2026-01-01T02:00:00.000Z')).toBe(1);
      // Saved again while still pending and inside its window: left as it is.
      await repository.saveApprovals([approval({ id: 'unswept', createdAt: '2026-01-01T02:30:00.000Z', expiresAt: '2026-01-09T00:00:00.000Z' })]);
      expect(await repository.getApproval('unswept')).toMatchObject({ status: 'pending', expiresAt: '2026-01-01T03:00:00.000Z' });
      const again = { createdAt: '2026-01-05T00:00:00.000Z', expiresAt: '2026-01-06T00:00:00.000Z', requestedBy: 'splunk' };
      await repository.saveApprovals(['swept', 'unswept', 'decided'].map((id) => approval({ id, ...again })));
      expect(await repository.getApproval('swept')).toMatchObject({ status: 'pending', ...again, decidedAt: undefined });
      expect(await repository.getApproval('unswept')).toMatchObject({ status: 'pending', ...again });
      expect(await repository.getApproval('decided')).toMatchObject({ status: 'rejected', decidedBy: 'bob' });
      expect((await repository.listApprovals({ status: 'pending', limit: 10 })).items.map((item) => item.id).sort()).toEqual(['swept', 'unswept']);
    });

    it('expires only pending approvals past their expiry', async () => {
      await repository.saveApprovals([
        approval({ id: 'old', expiresAt: '2026-01-01T00:00:00.000Z' }),
        approval({ id: 'fresh', expiresAt: '2026-01-03T00:00:00.000Z' }),
        approval({ id: 'done', expiresAt: '2026-01-01T00:00:00.000Z', status: 'approved', decidedBy: 'bob', decidedAt: '2025-12-31T00:00:00.000Z' }),
      ]);
      expect(await repository.expireApprovals('2026-01-02T00:00:00.000Z')).toBe(1);
      expect((await repository.getApproval('old'))?.status).toBe('expired');
      expect((await repository.getApproval('fresh'))?.status).toBe('pending');
      expect((await repository.getApproval('done'))?.status).toBe('approved');
      expect(await repository.decideApproval('old', { status: 'approved', decidedBy: 'bob', decidedAt: '2026-01-02T00:00:00.000Z', comment: undefined })).toBe(false);
    });

    it('lists approvals by status and alert, newest first, keyset-paged', async () => {
      await repository.saveApprovals(Array.from({ length: 5 }, (_, index) => approval({ id: `ap${index}`, alertId: index < 3 ? 'a1' : 'a2', createdAt: `2026-01-01T00:00:0${index % 3}.000Z` })));
      await repository.decideApproval('ap0', { status: 'approved', decidedBy: 'bob', decidedAt: '2026-01-01T01:00:00.000Z', comment: undefined });
      const first = await repository.listApprovals({ status: 'pending', limit: 2 });
      const second = await repository.listApprovals({ status: 'pending', limit: 2, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) });
      expect([...first.items, ...second.items].map((item) => item.id)).toEqual(['ap2', 'ap4', 'ap1', 'ap3']);
      expect(second.nextCursor).toBeUndefined();
      expect((await repository.listApprovals({ alertId: 'a2', limit: 10 })).items.map((item) => item.id)).toEqual(['ap4', 'ap3']);
      expect((await repository.listApprovals({ status: 'approved', limit: 10 })).items.map((item) => item.id)).toEqual(['ap0']);
    });

    it('keeps a delivery ledger: pending before the platform call, done after, never reopened', async () => {
      const entry = { key: 'vk-1', alertId: 'a1', target: 'splunk:write-back', at: '2026-01-01T00:00:00.000Z' };
      expect(await repository.getDelivery('vk-1')).toBeUndefined();
      expect(await repository.beginDelivery(entry)).toMatchObject({ key: 'vk-1', alertId: 'a1', state: 'pending', attempts: 1, doneAt: undefined });
      // A crash left it pending: the next attempt counts, and still says pending.
      expect(await repository.beginDelivery({ ...entry, at: '2026-01-01T00:01:00.000Z' })).toMatchObject({ state: 'pending', attempts: 2, startedAt: '2026-01-01T00:01:00.000Z' });
      await repository.completeDelivery('vk-1', '2026-01-01T00:02:00.000Z');
      expect(await repository.beginDelivery({ ...entry, at: '2026-01-01T00:03:00.000Z' })).toMatchObject({ state: 'done', attempts: 2, doneAt: '2026-01-01T00:02:00.000Z' });
      expect(await repository.getDelivery('vk-1')).toMatchObject({ state: 'done' });
    });

    it('leases a pending write-back to the worker that claimed it until the lease lapses', async () => {
      const entry = { key: 'vk-lease', alertId: 'a1', target: 'splunk:write-back', leaseSeconds: 60 };
      expect(await repository.beginDelivery({ ...entry, at: '2026-01-01T00:00:00.000Z', claim: 'worker-a' })).toMatchObject({ state: 'pending', claim: 'worker-a', attempts: 1 });
      // Worker b took the job over (a lost lock) while a still writes: a keeps it.
      expect(await repository.beginDelivery({ ...entry, at: '2026-01-01T00:00:30.000Z', claim: 'worker-b' })).toMatchObject({ state: 'pending', claim: 'worker-a', attempts: 1 });
      // Past the lease, a is taken for dead: b claims it.
      expect(await repository.beginDelivery({ ...entry, at: '2026-01-01T00:01:01.000Z', claim: 'worker-b' })).toMatchObject({ state: 'pending', claim: 'worker-b', attempts: 2 });
      await repository.completeDelivery('vk-lease', '2026-01-01T00:01:02.000Z');
      expect(await repository.beginDelivery({ ...entry, at: '2026-01-01T00:05:00.000Z', claim: 'worker-a' })).toMatchObject({ state: 'done', claim: 'worker-b' });
    });

    it('remembers webhook signatures until they expire: a replay is refused', async () => {
      const now = '2026-01-01T00:00:00.000Z';
      const expiresAt = '2026-01-01T00:05:00.000Z';
      expect(await repository.rememberSignature('sig-1', expiresAt, now)).toBe(true);
      expect(await repository.rememberSignature('sig-1', expiresAt, '2026-01-01T00:04:00.000Z')).toBe(false);
      expect(await repository.rememberSignature('sig-2', expiresAt, now)).toBe(true);
      // Past the window the signature is forgotten (the timestamp check refuses such a request anyway).
      expect(await repository.rememberSignature('sig-2', '2026-01-01T00:15:00.000Z', '2026-01-01T00:10:00.000Z')).toBe(true);
    });

    it('keeps the delivery ledger and seen signatures when reopened (another process sees them)', async () => {
      await repository.beginDelivery({ key: 'vk-2', alertId: 'a2', target: 'splunk:write-back', at: '2026-01-01T00:00:00.000Z' });
      await repository.completeDelivery('vk-2', '2026-01-01T00:00:01.000Z');
      await repository.rememberSignature('sig-3', '2026-01-01T00:05:00.000Z', '2026-01-01T00:00:00.000Z');
      await repository.close();
      repository = await fixture.reopen();
      expect(await repository.getDelivery('vk-2')).toMatchObject({ state: 'done', alertId: 'a2' });
      expect(await repository.rememberSignature('sig-3', '2026-01-01T00:05:00.000Z', '2026-01-01T00:01:00.000Z')).toBe(false);
    });

    it('keeps request records (idempotency keys, async jobs): the first claim wins, the answer is kept, a failed claim is released', async () => {
      const entry = { id: 'idem:t1:triage:k1', owner: 't1', requestHash: 'h1', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z' };
      expect(await repository.getRequest(entry.id)).toBeUndefined();
      expect(await repository.claimRequest(entry)).toMatchObject({ claimed: true, record: { id: entry.id, owner: 't1', requestHash: 'h1', state: 'pending', statusCode: undefined } });
      expect(await repository.claimRequest({ ...entry, requestHash: 'h2' })).toMatchObject({ claimed: false, record: { requestHash: 'h1', state: 'pending' } });
      await repository.completeRequest(entry.id, { statusCode: 200, response: '{"results":[]}', completedAt: '2026-01-01T00:00:01.000Z', expiresAt: '2026-01-02T00:00:01.000Z' });
      expect(await repository.claimRequest(entry)).toMatchObject({ claimed: false, record: { state: 'done', statusCode: 200, response: '{"results":[]}', completedAt: '2026-01-01T00:00:01.000Z' } });
      // Releasing only drops a pending claim: a done answer stays.
      await repository.releaseRequest(entry.id);
      expect(await repository.getRequest(entry.id)).toMatchObject({ state: 'done' });
      const failing = { ...entry, id: 'idem:t1:triage:k2' };
      await repository.claimRequest(failing);
      await repository.releaseRequest(failing.id);
      expect(await repository.claimRequest(failing)).toMatchObject({ claimed: true });
      // Completing moved its expiry: a day after the answer it still holds; past that it no longer holds its id.
      expect(await repository.claimRequest({ ...entry, createdAt: '2026-01-02T00:00:00.500Z', expiresAt: '2026-01-02T00:10:00.000Z' })).toMatchObject({ claimed: false, record: { state: 'done' } });
      expect(await repository.claimRequest({ ...entry, requestHash: 'h3', createdAt: '2026-01-03T00:00:00.000Z', expiresAt: '2026-01-04T00:00:00.000Z' })).toMatchObject({
        claimed: true,
        record: { requestHash: 'h3', state: 'pending' },
      });
      // A claim whose answer was never stored (the process died) frees its id when its short expiry passes.
      await repository.claimRequest({ ...entry, id: 'idem:t1:triage:k3', createdAt: '2026-01-05T00:00:00.000Z', expiresAt: '2026-01-05T00:10:00.000Z' });
      expect(await repository.claimRequest({ ...entry, id: 'idem:t1:triage:k3', createdAt: '2026-01-05T00:05:00.000Z', expiresAt: '2026-01-05T00:15:00.000Z' })).toMatchObject({
        claimed: false,
        record: { state: 'pending' },
      });
      expect(await repository.claimRequest({ ...entry, id: 'idem:t1:triage:k3', createdAt: '2026-01-05T00:10:00.000Z', expiresAt: '2026-01-05T00:20:00.000Z' })).toMatchObject({ claimed: true });
    });
  });
}

function result(overrides: Partial<TriageResult> & { alertId: string }): TriageResult {
  return {
    platform: 'verdict',
    ruleName: 'Brute force',
    verdict: 'inconclusive',
    confidence: 0.5,
    probabilityMalicious: 0.4321,
    summary: 'summary',
    evidence: [{ id: 'ev-1', kind: 'network', claim: 'The source address is internal.', weight: -0.5, source: 'network', refs: ['entities[0]'] }],
    attack: [],
    recommendedActions: [],
    trace: [],
    engine: { version: '0.0.0', mode: 'offline', configDigest: 'abc' },
    fingerprint: `fp-${overrides.alertId}`,
    alertTime: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function token(overrides: Partial<ApiToken> & { id: string }): ApiToken {
  return {
    name: 'name',
    scopes: ['triage'],
    secretHash: 'a'.repeat(64),
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: undefined,
    revokedAt: undefined,
    lastUsedAt: undefined,
    ...overrides,
  };
}

function approval(overrides: Partial<Approval> & { id: string }): Approval {
  return {
    alertId: 'a1',
    action: { id: 'act-1', action: 'isolate_host', target: 'web01', blastRadius: 'high', requiresApproval: true, reason: 'Isolate host web01.', policyRule: 'default:high-blast-radius' },
    requestedBy: 'soar',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
    status: 'pending',
    decidedBy: undefined,
    decidedAt: undefined,
    comment: undefined,
    ...overrides,
  };
}
