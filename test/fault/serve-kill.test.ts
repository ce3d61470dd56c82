import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { sampleAlert } from '../server/server-harness.js';
import { ensureBuilt, seededRandom, sleep, startCli, type RunningCli } from './cli-process.js';
import { freePort } from '../free-port.js';

/**
 * Nothing lost under kill -9 of `verdict serve` (issue 11, fault acceptance): two clients post
 * batches while the built server is killed with SIGKILL at random points and restarted; a batch
 * that got no answer is sent again (as a SOAR step retries). Afterwards every alert the server
 * acknowledged with 200 must have its verdict in the store, and a re-sent alert keeps one verdict.
 */
const ROUNDS = 5;
const BATCH = 10;

describe('verdict serve killed with SIGKILL under load', () => {
  let work: string;
  let bearer: string;
  beforeAll(async () => {
    ensureBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'verdict-serve-kill-'));
    const created = await startCli(['token', 'create', '--name', 'fault-client', '--scope', 'triage'], { cwd: work, env: { VERDICT_HOME: work } }).done;
    expect(created.code, created.stderr).toBe(0);
    bearer = created.stdout.trim();
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const startServe = async (): Promise<{ cli: RunningCli; base: string }> => {
    const port = await freePort();
    const cli = startCli(['serve', '--port', String(port)], { cwd: work, env: { VERDICT_HOME: work } });
    const base = `http://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const ready = await fetch(`${base}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return { cli, base };
      await sleep(100);
    }
    throw new Error(`serve did not start: ${cli.output()}`);
  };

  it('every acknowledged alert is stored: 0 lost, one verdict per alert', async () => {
    const random = seededRandom(7);
    const acknowledged = new Set<string>();
    let unanswered: string[][] = [];
    let nextId = 0;
    let resent = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const { cli, base } = await startServe();
      let isKilled = false;
      const client = async () => {
        while (!isKilled) {
          const retry = unanswered.shift();
          if (retry) resent += retry.length;
          const ids = retry ?? Array.from({ length: BATCH }, () => `kill-${(nextId += 1)}`);
          try {
            const response = await fetch(`${base}/v1/triage`, {
              method: 'POST',
              headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
              body: JSON.stringify({ alerts: ids.map((id) => sampleAlert(id)) }),
            });
            const body = (await response.json()) as { results?: Array<{ alertId: string }> };
            expect(response.status, JSON.stringify(body).slice(0, 300)).toBeLessThan(500);
            for (const result of body.results ?? []) acknowledged.add(result.alertId);
          } catch {
            unanswered.push(ids); // no answer (the server died mid-request): send it again later
          }
        }
      };
      const clients = [client(), client()];
      await sleep(300 + Math.floor(random() * 900));
      cli.child.kill('SIGKILL');
      isKilled = true;
      await cli.done;
      await Promise.all(clients);
    }
    const { cli, base } = await startServe();
    try {
      // The last unanswered batches go through once the server is back.
      for (const ids of unanswered) {
        const response = await fetch(`${base}/v1/triage`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ alerts: ids.map((id) => sampleAlert(id)) }),
        });
        for (const result of ((await response.json()) as { results: Array<{ alertId: string }> }).results) acknowledged.add(result.alertId);
      }
      unanswered = [];
    } finally {
      cli.child.kill('SIGKILL');
      await cli.done;
    }
    // Read the store the server wrote, as the next process would.
    const repository = createSqliteRepository(path.join(work, 'verdict.db'));
    let lost = 0;
    let duplicated = 0;
    try {
      for (const id of acknowledged) if (!(await repository.getResult(id))) lost += 1;
      const listed = new Set<string>();
      for (let cursor: string | undefined, page = 0; page < 1000; page += 1) {
        const found = await repository.listResults({ limit: 500, ...(cursor ? { cursor } : {}) });
        for (const item of found.items) {
          if (listed.has(item.alertId)) duplicated += 1;
          listed.add(item.alertId);
        }
        cursor = found.nextCursor;
        if (!cursor) break;
      }
      console.info(`serve kill -9: ${JSON.stringify({ kills: ROUNDS, acknowledged: acknowledged.size, resent, lost, duplicated })}`);
      expect(acknowledged.size).toBeGreaterThan(ROUNDS * BATCH);
      expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    } finally {
      await repository.close();
    }
  }, 180_000);
});
