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
 * normalizer. The body is rendered as Kibana's alerting renderer does it (renderMustacheObject):
 * dotted keys also expanded into nested objects, a plain object printed as its JSON, an array as
 * its elements joined by commas (Kibana gives arrays no JSON form), so `{{{context.alerts}}}`
 * alone would not be a JSON array.
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
    const template = String((ruleAction.params as { body: string }).body);
    const body = renderLikeKibana(template, { context: { alerts } });
    expect(renderLikeKibana('{"alerts": {{{context.alerts}}} }', { context: { alerts } }), 'the array alone is not JSON').toMatch(/^\{"alerts": \{.*\},\{/);
    expect(JSON.parse(body).alerts).toHaveLength(alerts.length);
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

/**
 * Kibana's rendering of a rule action parameter, for the `{{{path}}}` (unescaped) variables the
 * template uses: variables cloned, dotted keys expanded into nested objects beside the dotted ones
 * (convertDotVariables), every plain object given a toString() that is its JSON
 * (addToStringDeep), arrays left to Mustache's own String() (their elements joined by commas).
 */
function renderLikeKibana(template: string, variables: Record<string, unknown>): string {
  const augment = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(augment);
    if (typeof value !== 'object' || value === null) return value;
    const object: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) object[key] = augment(item);
    for (const [key, item] of Object.entries(object)) {
      if (!key.includes('.')) continue;
      const parts = key.split('.');
      let node = object;
      for (const part of parts.slice(0, -1)) node = (node[part] = typeof node[part] === 'object' && node[part] !== null ? node[part] : {}) as Record<string, unknown>;
      node[parts.at(-1)!] = item;
    }
    const json = JSON.stringify(object);
    Object.defineProperty(object, 'toString', { value: () => json, enumerable: false });
    return object;
  };
  const scope = augment(variables) as Record<string, unknown>;
  return template.replace(/\{\{\{\s*([\w.]+)\s*\}\}\}/g, (_, path: string) => {
    const value = path.split('.').reduce<unknown>((node, part) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined), scope);
    return value === undefined || value === null ? '' : String(value);
  });
}
