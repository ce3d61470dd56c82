import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPath } from '../../core/normalize/finalize.js';
import { createElasticPlugin } from '../../plugins/elastic/index.js';
import { renderAitKibana } from '../../scripts/eval/render-kibana.js';
import { triageWithDefaultEngine, withVerdict } from '../contract/contract-support.js';
import { startElasticEmulator, type ElasticEmulator } from '../emulators/elastic/elastic-emulator.js';
import { loadAitRows } from '../eval-data.js';

/**
 * TLS with a private CA (`caFile`) and a Kibana space other than `default`: the plugin reaches
 * both servers over HTTPS only with the CA, reads `.alerts-security.alerts-<space>` and writes
 * through `/s/<space>/api/…`. The certificates are made by openssl for this run.
 */

const PASSWORD = 'tls-Elastic-Passw0rd';
const documents = (await loadAitRows('fox', { distinct: true, limit: 3 })).map((row) => ({ ...renderAitKibana(row), 'kibana.space_ids': ['soc'] }));

describe('Elastic over TLS, in a space', () => {
  let directory: string;
  let emulator: ElasticEmulator;
  const config = () => ({
    elasticsearchUrl: emulator.elasticsearchUrl,
    kibanaUrl: emulator.kibanaUrl,
    auth: { username: 'verdict_svc', password: PASSWORD },
    space: 'soc',
    indexLagSeconds: 0,
    initialLookbackSeconds: 10 * 365 * 86_400,
    maxRetries: 0,
  });

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'verdict-elastic-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=verdict-test-ca');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(directory, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.cnf');
    emulator = await startElasticEmulator({
      users: { verdict_svc: { password: PASSWORD, roles: ['verdict_connector'] } },
      spaces: ['default', 'soc'],
      tls: { key: readFileSync(join(directory, 'server.key'), 'utf8'), cert: readFileSync(join(directory, 'server.pem'), 'utf8') },
    });
    emulator.addAlerts(documents, 'soc');
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('pulls and writes back over HTTPS with the CA file, in the space', async () => {
    expect(emulator.elasticsearchUrl).toMatch(/^https:/);
    const plugin = createElasticPlugin({ ...config(), caFile: join(directory, 'ca.pem') });
    const page = await plugin.pullAlerts!(undefined);
    expect(page.alerts.map((hit) => readPath(hit, '_index'))).toEqual(documents.map(() => '.internal.alerts-security.alerts-soc-000001'));
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(page.alerts[0])]);
    const verdict = withVerdict(result!, 'true_positive');
    await plugin.deliverResult!(plugin.renderResult(verdict), verdict);
    const kibanaPaths = emulator.requests.filter((request) => request.server === 'kibana').map((request) => request.path);
    expect(kibanaPaths.length).toBeGreaterThan(0);
    expect(kibanaPaths.every((path) => path.startsWith('/s/soc/api/'))).toBe(true);
    const alert = emulator.elasticsearch.documentsOf('.alerts-security.alerts-soc').find((document) => document._id === verdict.alertId)!._source;
    expect(alert['kibana.alert.workflow_tags']).toEqual(['verdict:true_positive']);
    expect(emulator.specViolations).toEqual([]);
  });

  it('refuses the server without the CA, as a network failure that names caFile', async () => {
    const plugin = createElasticPlugin(config());
    const failure = await plugin.pullAlerts!(undefined).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'PlatformApiError', statusCode: undefined, isRetryable: true });
    expect(String((failure as Error).message)).toMatch(/caFile/);
  });
});
