import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config/load-config.js';
import { normalizeWithFieldMap } from '../../core/normalize/field-map-normalize.js';
import type { Alert } from '../../core/spec/alert.js';

/**
 * Real alerts for unit tests: the bundled sample (AIT-ADS russellmitchell rows, CC BY 4.0) read
 * through the `ids-export` field map of the example config, as `npm start` reads them. Tests that
 * stage a scenario keep the real rule, host and address and move only the time (or host).
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE_FILE = path.join(REPO_ROOT, 'examples/sample-alerts.jsonl');
export const EXAMPLE_CONFIG = path.join(REPO_ROOT, 'examples/verdict.config.yaml');

const exampleConfig = loadConfig(EXAMPLE_CONFIG, {});
const idsExport = exampleConfig.config.fieldMaps['ids-export']!;

export type SampleRow = { id: string; time: number; name: string; ip: string; host: string; short: string };

export const SAMPLE_ROWS: readonly SampleRow[] = readFileSync(SAMPLE_FILE, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as SampleRow);

/** Every sample row as an Alert, in file order. */
export function sampleAlerts(): Alert[] {
  return SAMPLE_ROWS.map((row) => normalizeWithFieldMap(row, idsExport));
}

/**
 * The first sample row of a rule as an Alert, optionally moved in time (epoch seconds or an
 * offset from `base`) or onto another real host of the sample.
 */
export function sampleAlert(ruleName: string, overrides: Partial<Pick<SampleRow, 'id' | 'time' | 'host' | 'ip'>> = {}): Alert {
  const row = SAMPLE_ROWS.find((candidate) => candidate.name === ruleName);
  if (!row) throw new Error(`no sample row for rule ${ruleName}`);
  return normalizeWithFieldMap({ ...row, ...overrides }, idsExport);
}

/** Rule names used by several tests (all real AIT-ADS alert names from the sample). */
export const RULES = {
  dovecotLogin: 'Wazuh: Dovecot Authentication Success.',
  clamavUpdate: 'Wazuh: ClamAV database update',
  tlsHandshake: 'Suricata: Alert - SURICATA TLS invalid handshake message',
  idsEvent: 'Wazuh: IDS event.',
  sshScan: 'Wazuh: sshd: insecure connection attempt (scan).',
  nmapUserAgent: 'Suricata: Alert - ET SCAN Possible Nmap User-Agent Observed',
  webAttack: 'Wazuh: Common web attack.',
  newEventType: 'AMiner: New event type.',
  sudoRoot: 'Wazuh: Successful sudo to ROOT executed.',
  aptPolicy: 'Suricata: Alert - ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management',
} as const;

/** Hosts of the sample (real AIT-ADS host names) with their addresses. */
export const HOSTS = {
  mail: { host: 'mail', ip: '172.19.130.4' },
  webserver: { host: 'webserver', ip: '172.19.130.68' },
  intranet: { host: 'intranet_server', ip: '10.143.2.4' },
  davey: { host: 'davey_mail', ip: '192.168.231.56' },
  vpn: { host: 'vpn', ip: '172.19.131.174' },
  dns: { host: 'inet-dns', ip: '192.168.231.254' },
} as const;
