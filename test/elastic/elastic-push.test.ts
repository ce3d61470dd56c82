import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadElasticManifests } from '../../plugins/elastic/elastic-manifests.js';
import { renderAitKibana } from '../../scripts/eval/render-kibana.js';
import { startElasticEmulator, type ElasticEmulator } from '../emulators/elastic/elastic-emulator.js';
import { loadAitRows } from '../eval-data.js';
import { ROOT, startCli } from '../fault/cli-process.js';
import { startLiveService, type LiveService } from '../soar/live-service.js';

/**
 * The push path: `verdict install elastic` creates the `.webhook` connector pointing at a live
 * `verdict serve` (built CLI, child process); Kibana (the emulator) executes it with the body of
 * manifests/elastic/rule-action.json; the service triages the alert documents through the Elastic
 * normalizer. Kibana's Mustache rendering of `{{{context.alerts}}}` is stood in for by the alerts'
 * JSON (what the template relies on; unconfirmed, see the README).
 */

const ALICE = 'push-alice-Passw0rd';
const INSTALLER = 'push-installer-Passw0rd';
const alerts = (await loadAitRows('fox', { distinct: true, limit: 4 })).map(renderAitKibana);

describe('rule action → .webhook connector → verdict serve', () => {
  let service: LiveService;
  let emulator: ElasticEmulator;
  let work: string;

  beforeAll(async () => {
    service = await startLiveService();
    emulator = await startElasticEmulator({ users: { alice: { password: ALICE, roles: ['superuser'] }, installer: { password: INSTALLER, roles: ['verdict_installer'] } } });
    work = mkdtempSync(join(tmpdir(), 'verdict-elastic-push-'));
    writeFileSync(
      join(work, 'verdict.config.json'),
      JSON.stringify({ platforms: { elastic: { elasticsearchUrl: emulator.elasticsearchUrl, kibanaUrl: emulator.kibanaUrl, auth: { username: 'installer', password: INSTALLER } } } }),
    );
    const install = await startCli(['install', 'elastic', '--config', join(work, 'verdict.config.json'), '--verdict-url', service.baseUrl], {
      cwd: work,
      env: { VERDICT_HOME: work, VERDICT_TOKEN: service.token },
    }).done;
    expect(install.code, install.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await emulator?.close();
    await service?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('triages the alerts a rule action posts, through the Elastic normalizer', async () => {
    const { ruleAction } = loadElasticManifests(join(ROOT, 'manifests/elastic'));
    const body = String((ruleAction.params as { body: string }).body).replace('{{{context.alerts}}}', JSON.stringify(alerts));
    const executed = await fetch(`${emulator.kibanaUrl}/api/actions/connector/${String(ruleAction.id)}/_execute`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}`, 'kbn-xsrf': 'true', 'Content-Type': 'application/json' },
      body: JSON.stringify({ params: { body } }),
    });
    const outcome = (await executed.json()) as { status: string; data?: { statusUrl?: string }; service_message?: string };
    expect(outcome.status, outcome.service_message).toBe('ok');
    expect(outcome.data?.statusUrl).toMatch(/^\/v1\/jobs\//);

    // async=true: the service answered 202 at once; poll the job as Kibana's user would.
    let job: { status: string; result?: { results: Array<{ alertId: string; platform: string; verdict: string }>; errors: unknown[] } } = { status: 'pending' };
    for (let attempt = 0; attempt < 100 && job.status === 'pending'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = (await (await fetch(`${service.baseUrl}${outcome.data!.statusUrl!}`, { headers: { Authorization: `Bearer ${service.token}` } })).json()) as typeof job;
    }
    expect(job.status).toBe('succeeded');
    expect(job.result!.errors).toEqual([]);
    expect(job.result!.results.map((result) => result.alertId).sort()).toEqual(alerts.map((alert) => String(alert['kibana.alert.uuid'])).sort());
    expect(new Set(job.result!.results.map((result) => result.platform))).toEqual(new Set(['elastic']));
  });
});
