import { AlertV1Schema, TriageResultV1Schema, type Alert, type TriageResult } from '../../core/spec/index.js';
import type { EvidenceInput } from '../../core/spec/evidence.js';
import type { RecommendedAction, Verdict } from '../../core/spec/result.js';
import sigmaEvent from './fixtures/sigma-bitsadmin-event.json' with { type: 'json' };

/** The real SigmaHQ bitsadmin event, mapped to an Alert as a Sysmon normalizer would. */
export function bitsadminAlert(): Alert {
  const data = sigmaEvent.Event.EventData;
  const sha256 = /SHA256=([0-9A-F]{64})/.exec(data.Hashes)?.[1] ?? '';
  return AlertV1Schema.parse({
    id: 'sigma-83c4dfac',
    source: { platform: 'generic', product: 'Sysmon', nativeIds: { EventRecordID: String(sigmaEvent.Event.System.EventRecordID) } },
    title: 'File Download Via Bitsadmin',
    ruleName: 'File Download Via Bitsadmin',
    ruleId: 'd059842b-6b9d-4ed1-b5c3-5b89143c6ede',
    ruleAuthor: 'Michael Haag, FPT.EagleEye',
    description: 'Detects usage of bitsadmin downloading a file',
    severity: 'medium',
    time: '2025-12-10T04:33:20.562Z',
    category: 'process_creation',
    attack: ['T1197', 'T1036.003', 'T1105'],
    entities: [
      { kind: 'host', value: sigmaEvent.Event.System.Computer, role: 'target' },
      { kind: 'user', value: data.User, role: 'actor' },
      { kind: 'process', value: data.CommandLine, role: 'actor', properties: { image: data.Image, currentDirectory: data.CurrentDirectory } },
      { kind: 'hash', value: sha256, role: 'related', properties: { algorithm: 'sha256' } },
      { kind: 'url', value: 'https://www.atomicredteam.io/atomic-red-team/atomics/T1218.011', role: 'destination' },
      { kind: 'domain', value: 'www.atomicredteam.io', role: 'destination' },
    ],
    fields: { EventID: '1', IntegrityLevel: data.IntegrityLevel, CurrentDirectory: data.CurrentDirectory, LogonId: data.LogonId },
  });
}

/** AIT-ADS russellmitchell row 1642999078 (escalated_sudo_command), as a Wazuh alert. */
export function aitSudoAlert(): Alert {
  return AlertV1Schema.parse({
    id: 'ait-russellmitchell-1642999078',
    source: { platform: 'generic', product: 'Wazuh', nativeIds: {} },
    title: 'Wazuh: Successful sudo to ROOT executed.',
    ruleName: 'Wazuh: Successful sudo to ROOT executed.',
    ruleId: 'W-Aut-Sud',
    time: new Date(1642999078 * 1000).toISOString(),
    entities: [
      { kind: 'host', value: 'intranet_server', role: 'target' },
      { kind: 'ip', value: '10.143.2.4', role: 'target' },
    ],
  });
}

export const THRESHOLDS = { truePositive: 0.6, benign: 0.2 };

export interface OfflineOptions {
  verdict: Verdict;
  probability: number;
  evidence?: EvidenceInput[];
  actions?: RecommendedAction[];
  fingerprint?: string;
  duplicateOf?: string;
}

/** A TriageResult as the offline engine would hand it to the reasoning stage. */
export function offlineResult(alert: Alert, options: OfflineOptions): TriageResult {
  const evidence = options.evidence ?? defaultEvidence(alert);
  return TriageResultV1Schema.parse({
    alertId: alert.id,
    platform: alert.source.platform,
    ruleName: alert.ruleName,
    verdict: options.verdict,
    confidence: options.verdict === 'true_positive' ? options.probability : 1 - options.probability,
    probabilityMalicious: options.probability,
    summary: `Offline: ${options.verdict} at ${options.probability}.`,
    evidence,
    attack: [],
    recommendedActions: options.actions ?? [],
    trace: [{ stage: 'decide', component: 'scorer', checked: 'prior + evidence', found: 'scored', delta: 0, scoreAfter: options.probability, evidenceIds: [] }],
    engine: { version: '0.1.0', mode: 'offline', configDigest: 'test' },
    fingerprint: options.fingerprint ?? `fp-${alert.id}`,
    ...(options.duplicateOf ? { duplicateOf: options.duplicateOf } : {}),
    alertTime: alert.time,
    createdAt: alert.time,
  });
}

function defaultEvidence(alert: Alert): EvidenceInput[] {
  const host = alert.entities.find((entity) => entity.kind === 'host')?.value ?? 'unknown';
  const user = alert.entities.find((entity) => entity.kind === 'user')?.value;
  return [
    { id: 'ev-1', kind: 'command_line', claim: `A LOLBin downloaded a file over HTTP on ${host}.`, weight: 0.8, source: 'command-line', refs: ['entities[2].value'] },
    { id: 'ev-2', kind: 'memory', claim: `${user ?? host} ran this rule 3 times last week, all closed as benign.`, weight: -0.6, source: 'memory', refs: [] },
    { id: 'ev-3', kind: 'context', claim: `No other alert on ${host} in the last 30 minutes.`, weight: -0.2, source: 'context', refs: [] },
  ];
}

export function isolateHostAction(host: string): RecommendedAction {
  return { id: 'act-1', action: 'isolate_host', target: host, blastRadius: 'medium', requiresApproval: true, reason: 'test', policyRule: 'default' };
}
