import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliVerdict, FIXTURE_ALERT_FILE, ROOT, startLiveService, verdictsGiven, type LiveService } from './live-service.js';
import { startLossyGateway, type LossyGateway } from './lossy-gateway.js';
import { runTinesStory } from './tines-runner.js';
import { runXsoarScript } from './xsoar-harness.js';

/**
 * Acceptance: each SOAR step, as generated under manifests/soar/, triages the real fixture alert
 * against a live `verdict serve` and gets the verdict `verdict triage` gives; a retried step
 * (same Idempotency-Key) counts once; bad input comes back as the service's problem details.
 * The steps share one service, which learns: the first (XSOAR) must match the CLI's confidence
 * exactly; later ones see the earlier alerts on the same host and feedback, so only their verdict
 * is compared.
 */
const MANIFESTS = path.join(ROOT, 'manifests/soar');
const STANDINS = path.join(import.meta.dirname, 'python-standins');
const fixture = JSON.parse(readFileSync(FIXTURE_ALERT_FILE, 'utf8')) as Record<string, unknown>;
/** The same real alert under another id, so each step triages an alert of its own. */
const fixtureAs = (id: string) => ({ ...fixture, finding_info: { ...(fixture.finding_info as object), uid: id } });
const BAD_ALERT = { id: 'bad-1', source: { platform: 'verdict' }, title: 'x', ruleName: 'x', severity: 'apocalyptic', time: '2026-03-01T10:00:00Z', entities: [] };

/** Runs a step in python3 without blocking this process (the lossy gateway below lives in it). */
function python(args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [path.join(STANDINS, 'run_step.py'), ...args], { env: { ...process.env, PYTHONPATH: STANDINS, PYTHONDONTWRITEBYTECODE: '1' } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`python3 exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

// Each step spawns processes and calls a live service: generous timeouts for a loaded 2-core machine.
describe('SOAR steps against a live Verdict', { timeout: 120_000 }, () => {
  let service: LiveService;
  let expected: { verdict: string; confidence: number };
  let work: string;
  let gateway: LossyGateway;
  const xsoarScript = (parse(readFileSync(path.join(MANIFESTS, 'xsoar/Verdict.yml'), 'utf8')) as { script: { script: string } }).script.script;

  beforeAll(async () => {
    expected = cliVerdict();
    service = await startLiveService();
    gateway = await startLossyGateway(service.baseUrl);
    work = mkdtempSync(path.join(tmpdir(), 'verdict-soar-steps-'));
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    await service?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('Cortex XSOAR integration script (built, run with the engine built-ins emulated)', () => {
    const params = () => ({ url: service.baseUrl, credentials: { identifier: '', password: service.token }, insecure: false, proxy: false });

    it('test-module answers ok with the token, and names the problem without one', async () => {
      expect((await runXsoarScript(xsoarScript, { command: 'test-module', params: params() })).result).toBe('ok');
      const refused = await runXsoarScript(xsoarScript, { command: 'test-module', params: { ...params(), credentials: { password: 'vdt_0000000000000000_wrong' } } });
      expect(refused.result).toMatch(/^Verdict answered 401: /);
    });

    it('verdict-triage-alert gives the CLI verdict; a retried task counts once; get-verdict and send-feedback work', async () => {
      const before = await verdictsGiven(service);
      const args = { alert: JSON.stringify(fixtureAs('xsoar-1')) };
      const first = await runXsoarScript(xsoarScript, { command: 'verdict-triage-alert', args, params: params() });
      const retry = await runXsoarScript(xsoarScript, { command: 'verdict-triage-alert', args, params: params() });
      expect(first.result.Type).toBe(1);
      const context = first.result.EntryContext['Verdict.Verdict(val.alertId && val.alertId == obj.alertId)'][0];
      expect(context).toMatchObject({ alertId: 'xsoar-1', verdict: expected.verdict, confidence: expected.confidence });
      expect(first.result.HumanReadable).toContain(expected.verdict);
      expect(retry.result).toEqual(first.result);
      expect(first.requests[0]!.headers['Idempotency-Key']).toEqual(retry.requests[0]!.headers['Idempotency-Key']);
      expect((await verdictsGiven(service)) - before).toBe(1);

      const read = await runXsoarScript(xsoarScript, { command: 'verdict-get-verdict', args: { alert_id: 'xsoar-1' }, params: params() });
      expect(read.result.Contents[0]).toMatchObject({ alertId: 'xsoar-1', verdict: expected.verdict });
      const feedback = await runXsoarScript(xsoarScript, { command: 'verdict-send-feedback', args: { alert_id: 'xsoar-1', verdict: 'false_positive', note: 'lab host' }, params: params() });
      expect(feedback.result.EntryContext['Verdict.Feedback']).toMatchObject({ alertId: 'xsoar-1', recorded: 1 });
    });

    it('returns the service problem details as an error entry on bad input, not a crash', async () => {
      const bad = await runXsoarScript(xsoarScript, { command: 'verdict-triage-alert', args: { alert: JSON.stringify(BAD_ALERT), platform: 'verdict' }, params: params() });
      expect(bad.result.Type).toBe(4);
      expect(bad.result.Contents).toMatchObject({ type: 'urn:verdict:problem:invalid-input', status: 400, field: 'severity' });
      expect(bad.result.EntryContext['Verdict.Error'].field).toBe('severity');
      const missing = await runXsoarScript(xsoarScript, { command: 'verdict-get-verdict', args: { alert_id: 'never-triaged' }, params: params() });
      expect(missing.result.Contents).toMatchObject({ type: 'urn:verdict:problem:not-found', status: 404 });
      const badFeedback = await runXsoarScript(xsoarScript, { command: 'verdict-send-feedback', args: { alert_id: 'xsoar-1', verdict: 'maybe' }, params: params() });
      expect(badFeedback.result.Contents).toMatchObject({ status: 400, field: 'verdict' });
      // What never reaches the service is an error entry of the same shape: an alert that is not JSON, a service that does not answer.
      const notJson = await runXsoarScript(xsoarScript, { command: 'verdict-triage-alert', args: { alert: '{not json' }, params: params() });
      expect(notJson.result).toMatchObject({ Type: 4, EntryContext: { 'Verdict.Error': { title: 'Invalid argument', field: 'alert' } } });
      const nowhere = { ...params(), url: 'http://127.0.0.1:9' };
      const unreachable = await runXsoarScript(xsoarScript, { command: 'verdict-get-verdict', args: { alert_id: 'xsoar-1' }, params: nowhere });
      expect(unreachable.result).toMatchObject({ Type: 4, Contents: { title: 'Could not reach Verdict' } });
      expect((await runXsoarScript(xsoarScript, { command: 'test-module', params: nowhere })).result).toMatch(/^Could not reach Verdict: /);
    });

    it('fetch-incidents mirrors verdicts as incidents once, remembering where it stopped', async () => {
      const fetchParams = { ...params(), fetch_verdicts: 'true_positive,benign_positive,false_positive,inconclusive', first_fetch_hours: String(24 * 365 * 30), max_fetch: '50' };
      const first = await runXsoarScript(xsoarScript, { command: 'fetch-incidents', params: fetchParams });
      expect(first.incidents!.map((incident) => JSON.parse(incident.rawJSON).alertId)).toContain('xsoar-1');
      const incident = first.incidents!.find((item) => JSON.parse(item.rawJSON).alertId === 'xsoar-1');
      expect(incident.name).toContain(expected.verdict);
      const others = ['true_positive', 'benign_positive', 'false_positive', 'inconclusive'].filter((kind) => kind !== expected.verdict).join(', ');
      const otherKinds = await runXsoarScript(xsoarScript, { command: 'fetch-incidents', params: { ...fetchParams, fetch_verdicts: others } });
      expect(otherKinds.incidents!.map((item) => JSON.parse(item.rawJSON).alertId)).not.toContain('xsoar-1');
      const again = await runXsoarScript(xsoarScript, { command: 'fetch-incidents', params: fetchParams, lastRun: first.lastRun });
      expect(again.incidents).toEqual([]);

      // A verdict given after the mirror moved past its alert's time (raised 30 min earlier, triaged now) is still mirrored, once.
      const late = { ...fixtureAs('xsoar-late'), time: (fixture.time as number) - 30 * 60 * 1000 };
      expect((await runXsoarScript(xsoarScript, { command: 'verdict-triage-alert', args: { alert: JSON.stringify(late) }, params: params() })).result.Type).toBe(1);
      const afterLate = await runXsoarScript(xsoarScript, { command: 'fetch-incidents', params: fetchParams, lastRun: again.lastRun });
      expect(afterLate.incidents!.map((item) => JSON.parse(item.rawJSON).alertId)).toEqual(['xsoar-late']);
      const quiet = await runXsoarScript(xsoarScript, { command: 'fetch-incidents', params: fetchParams, lastRun: afterLate.lastRun });
      expect(quiet.incidents).toEqual([]);
      // Beyond the look-back it is not: the window is the setting's, and says so.
      const tooLate = { ...fixtureAs('xsoar-too-late'), time: (fixture.time as number) - 3 * 3600 * 1000 };
      await runXsoarScript(xsoarScript, { command: 'verdict-triage-alert', args: { alert: JSON.stringify(tooLate) }, params: params() });
      expect((await runXsoarScript(xsoarScript, { command: 'fetch-incidents', params: fetchParams, lastRun: quiet.lastRun })).incidents).toEqual([]);
    });
  });

  describe('Splunk SOAR app (python3, verdict_connector.py)', () => {
    const action = async (identifier: string, parameters: Record<string, unknown>, config: Record<string, unknown> = {}) => {
      const file = path.join(work, `${identifier}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ identifier, config: { base_url: service.baseUrl, api_token: service.token, verify_server_cert: true, ...config }, parameters: [parameters] }));
      return python(['splunk-soar', path.join(MANIFESTS, 'splunk-soar'), file]);
    };

    it('test connectivity passes with the token and fails with the problem without it', async () => {
      expect((await action('test_connectivity', {})).action_results[0].status).toBe('success');
      const refused = (await action('test_connectivity', {}, { api_token: 'vdt_0000000000000000_wrong' })).action_results[0];
      expect(refused.status).toBe('failed');
      expect(refused.message).toContain('401');
    });

    it('triage alert gives the CLI verdict; a retried action counts once', async () => {
      const before = await verdictsGiven(service);
      const parameters = { alert: JSON.stringify(fixtureAs('soar-1')) };
      const first = (await action('triage_alert', parameters)).action_results[0];
      const retry = (await action('triage_alert', parameters)).action_results[0];
      expect(first.status).toBe('success');
      expect(first.summary).toMatchObject({ verdict: expected.verdict, alert_id: 'soar-1' });
      expect(first.data[0]).toMatchObject({ alertId: 'soar-1', verdict: expected.verdict });
      expect(retry.data).toEqual(first.data);
      expect((await verdictsGiven(service)) - before).toBe(1);
      expect((await action('get_verdict', { alert_id: 'soar-1' })).action_results[0].summary.verdict).toBe(expected.verdict);
      expect((await action('send_feedback', { alert_id: 'soar-1', verdict: 'true_positive' })).action_results[0].summary.recorded).toBe(1);
    });

    it('asynchronous: the service answers 202 and the action polls the job to the same verdict', async () => {
      const result = (await action('triage_alert', { alert: JSON.stringify(fixtureAs('soar-async')), asynchronous: true })).action_results[0];
      expect(result.status).toBe('success');
      expect(result.data[0]).toMatchObject({ alertId: 'soar-async', verdict: expected.verdict });
    });

    it('retries an answer lost on the way back (503), and a 409 (the first try still runs), with the same key: the alert is triaged once', async () => {
      const before = await verdictsGiven(service);
      gateway.lose.push(503, 409);
      const seenBefore = gateway.seen.length;
      const result = (await action('triage_alert', { alert: JSON.stringify(fixtureAs('soar-lost')) }, { base_url: gateway.baseUrl })).action_results[0];
      expect(gateway.seen.slice(seenBefore)).toEqual([503, 409, 200]);
      expect(result.status).toBe('success');
      expect(result.summary.verdict).toBe(expected.verdict);
      expect((await verdictsGiven(service)) - before).toBe(1);
    });

    it('retries a connection dropped after the service did the work with the same key (triaged once); an unreachable service fails the action, saying so', async () => {
      const before = await verdictsGiven(service);
      gateway.lose.push(0);
      const seenBefore = gateway.seen.length;
      const result = (await action('triage_alert', { alert: JSON.stringify(fixtureAs('soar-dropped')) }, { base_url: gateway.baseUrl })).action_results[0];
      expect(gateway.seen.slice(seenBefore)).toEqual([0, 200]);
      expect(result).toMatchObject({ status: 'success', summary: { verdict: expected.verdict, alert_id: 'soar-dropped' } });
      expect((await verdictsGiven(service)) - before).toBe(1);
      const nowhere = (await action('get_verdict', { alert_id: 'soar-dropped' }, { base_url: 'http://127.0.0.1:9' })).action_results[0];
      expect(nowhere.status).toBe('failed');
      expect(nowhere.message).toMatch(/^could not reach Verdict at http:\/\/127\.0\.0\.1:9: /);
    });

    it('fails the action with the service problem details on bad input', async () => {
      const bad = (await action('triage_alert', { alert: JSON.stringify(BAD_ALERT), platform: 'verdict' })).action_results[0];
      expect(bad.status).toBe('failed');
      expect(bad.summary).toMatchObject({ status_code: 400, problem_type: 'urn:verdict:problem:invalid-input', field: 'severity' });
      expect(bad.message).toContain('severity');
      const notJson = (await action('triage_alert', { alert: '{not json' })).action_results[0];
      expect(notJson.status).toBe('failed');
      expect(notJson.message).toContain('not JSON');
    });
  });

  describe('Shuffle app (python3, src/app.py)', () => {
    const shuffle = async (name: string, kwargs: Record<string, unknown>) =>
      python(['shuffle', path.join(MANIFESTS, 'shuffle/src'), name, JSON.stringify({ url: service.baseUrl, apikey: service.token, ...kwargs })]);

    it('triage_alert gives the CLI verdict, counts once when retried, and returns problem details on bad input', async () => {
      const before = await verdictsGiven(service);
      const first = await shuffle('triage_alert', { alert: JSON.stringify(fixtureAs('shuffle-1')) });
      const retry = await shuffle('triage_alert', { alert: JSON.stringify(fixtureAs('shuffle-1')) });
      expect(first.results[0]).toMatchObject({ alertId: 'shuffle-1', verdict: expected.verdict });
      expect(retry).toEqual(first);
      expect((await verdictsGiven(service)) - before).toBe(1);
      const bad = await shuffle('triage_alert', { alert: JSON.stringify(BAD_ALERT), platform: 'verdict' });
      expect(bad).toMatchObject({ success: false, status: 400, problem: { type: 'urn:verdict:problem:invalid-input', field: 'severity' } });
      expect(await shuffle('test_connectivity', {})).toEqual({ ok: true });
      const viaJob = await shuffle('triage_alert', { alert: JSON.stringify(fixtureAs('shuffle-async')), asynchronous: 'true' });
      expect(viaJob.results[0]).toMatchObject({ alertId: 'shuffle-async', verdict: expected.verdict });
      const nowhere = await shuffle('get_verdict', { alert_id: 'shuffle-1', url: 'http://127.0.0.1:9' });
      expect(nowhere).toMatchObject({ success: false, problem: { title: 'Verdict unreachable', detail: expect.stringContaining('could not reach Verdict') } });
    });
  });

  describe('Tines story (its HTTP Request action run as Tines runs it)', () => {
    const story = JSON.parse(readFileSync(path.join(MANIFESTS, 'tines/verdict-alert-triage.json'), 'utf8'));
    const environment = () => ({ resources: { verdict_url: service.baseUrl }, credentials: { verdict_token: service.token } });

    it('triages the webhook alert to the CLI verdict; a rerun of the story counts once', async () => {
      const before = await verdictsGiven(service);
      const first = await runTinesStory(story, fixtureAs('tines-1'), environment());
      const rerun = await runTinesStory(story, fixtureAs('tines-1'), environment());
      expect(first.events.verdict_outcome).toMatchObject({ status: 200, alert_id: 'tines-1', verdict: expected.verdict });
      expect(rerun.events.verdict_outcome).toEqual(first.events.verdict_outcome);
      expect(rerun.requests[0]!.headers['Idempotency-Key']).toBe(first.requests[0]!.headers['Idempotency-Key']);
      expect((await verdictsGiven(service)) - before).toBe(1);
    });

    it('retries on 409, 429 and 5xx as retry_on_status says, with the same key: answers lost on the way back count once', async () => {
      const before = await verdictsGiven(service);
      gateway.lose.push(429, 503, 409);
      const run = await runTinesStory(story, fixtureAs('tines-lost'), { ...environment(), resources: { verdict_url: gateway.baseUrl } });
      expect(run.requests.map((request) => request.status)).toEqual([429, 503, 409, 200]);
      expect(new Set(run.requests.map((request) => request.headers['Idempotency-Key'])).size).toBe(1);
      expect(run.events.triage_with_verdict.headers['idempotency-replayed']).toBe('true');
      expect(run.events.verdict_outcome).toMatchObject({ status: 200, alert_id: 'tines-lost', verdict: expected.verdict });
      expect((await verdictsGiven(service)) - before).toBe(1);
    });

    it('emits the problem details of a refused alert for the next action to branch on', async () => {
      const run = await runTinesStory(
        {
          ...story,
          agents: story.agents.map((agent: any) => (agent.type === 'Agents::HTTPRequestAgent' ? { ...agent, options: { ...agent.options, url: `${agent.options.url}?platform=verdict` } } : agent)),
        },
        BAD_ALERT,
        environment(),
      );
      expect(run.events.verdict_outcome).toMatchObject({ status: 400, problem_type: 'urn:verdict:problem:invalid-input', problem_field: 'severity' });
    });
  });
});
