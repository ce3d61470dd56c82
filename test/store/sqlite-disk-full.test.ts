import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TriageResult } from '../../core/spec/result.js';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { StoreUnavailableError, withStoreErrors } from '../../core/store/store-errors.js';
import { mountSmallDisk } from './disk-full.js';

/**
 * Issue 11, finding 6: after a disk-full error the SQLite writer never recovered (the failure
 * latched and read "undefined"); `serve` answered 500 until restarted. On a real, small tmpfs:
 * a full disk fails the write with a message naming the cause, and writes resume once space is back.
 */
const disk = mountSmallDisk(4);
afterAll(() => disk.unmount?.());

describe.skipIf(disk.skipReason !== undefined)(`SQLite store on a full disk${disk.skipReason ? ` (skipped: ${disk.skipReason})` : ''}`, () => {
  it('fails writes with the cause while the disk is full, and recovers by itself when space returns', async () => {
    const repository = withStoreErrors(createSqliteRepository(path.join(disk.dir!, 'verdict.db')));
    try {
      await repository.saveResults([{ result: result('before', 10), entityKeys: ['host:a'] }]);
      disk.fill!();
      const failures: unknown[] = [];
      for (let attempt = 0; attempt < 40 && failures.length < 3; attempt += 1) {
        await repository.saveResults([{ result: result(`full-${attempt}`, 20_000), entityKeys: [] }]).catch((error: unknown) => void failures.push(error));
      }
      expect(failures.length).toBeGreaterThanOrEqual(3);
      for (const failure of failures) {
        expect(StoreUnavailableError.isInstance(failure), String(failure)).toBe(true);
        expect((failure as Error).message).toMatch(/SQLITE_FULL: the disk is full/);
        expect((failure as Error).message).not.toContain('undefined');
      }
      disk.free!();
      await repository.saveResults([{ result: result('after', 10), entityKeys: ['host:b'] }]);
      expect(await repository.getResult('after')).toMatchObject({ alertId: 'after' });
      expect(await repository.getResult('before')).toMatchObject({ alertId: 'before' });
      await repository.ping();
    } finally {
      await repository.close().catch(() => undefined);
    }
  }, 60_000);
});

function result(alertId: string, summaryLength: number): TriageResult {
  return {
    alertId,
    platform: 'verdict',
    ruleName: 'Brute force',
    verdict: 'inconclusive',
    confidence: 0.5,
    probabilityMalicious: 0.5,
    summary: 's'.repeat(summaryLength),
    evidence: [],
    attack: [],
    recommendedActions: [],
    trace: [],
    engine: { version: '0.0.0', mode: 'offline', configDigest: 'abc' },
    fingerprint: `fp-${alertId}`,
    alertTime: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}
