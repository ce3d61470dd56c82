import { createHash } from 'node:crypto';
import { allTactics, lookupTechnique, tacticsOf } from '../../core/enrich/attack-catalog.js';
import { ECS_EVENT_BY_LOG_CATEGORY } from '../../plugins/elastic/elastic-category.js';
import type { AitRow } from './ait-source.js';
import { aitDetector } from './render-ait.js';
import type { SigmaVariant } from './render-sigma.js';
import { sigmaEventTime, type SigmaTest } from './sigma-source.js';

/**
 * Eval items as Kibana security alert documents (`_source` of `.alerts-security.alerts-<space>`),
 * by the Elastic rows of the mapping tables in shared/eval/README.md. `kibana.*` fields are
 * flattened dotted keys, as the detection engine writes them; ECS fields copied from the source
 * event are nested objects. Labels never enter a document; AIT rows get no severity.
 */

/** Sigma level → Kibana severity / risk score (the README's fixed table). */
const LEVELS: Record<string, { severity: string; riskScore: number }> = {
  informational: { severity: 'low', riskScore: 21 },
  low: { severity: 'low', riskScore: 21 },
  medium: { severity: 'medium', riskScore: 47 },
  high: { severity: 'high', riskScore: 73 },
  critical: { severity: 'critical', riskScore: 99 },
};

const SPACE = 'default';

/** A stable uuid-shaped id from a seed (alert and rule uuids of rendered documents). */
export function stableUuid(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function alertFrame(id: string, time: string, rule: { name: string; ruleId: string }): Record<string, unknown> {
  return {
    '@timestamp': time,
    'kibana.alert.uuid': id,
    'kibana.alert.status': 'active',
    'kibana.alert.workflow_status': 'open',
    'kibana.alert.original_time': time,
    'kibana.alert.rule.name': rule.name,
    'kibana.alert.rule.rule_id': rule.ruleId,
    'kibana.alert.rule.uuid': stableUuid(`rule:${rule.ruleId}:${rule.name}`),
    'kibana.alert.rule.category': 'Custom Query Rule',
    'kibana.alert.rule.rule_type_id': 'siem.queryRule',
    'kibana.alert.rule.consumer': 'siem',
    'kibana.alert.rule.producer': 'siem',
    'kibana.alert.rule.revision': 0,
    'kibana.alert.depth': 1,
    'kibana.space_ids': [SPACE],
  };
}

/** AIT row (`time,name,ip,host,short`) → alert document. */
export function renderAitKibana(row: AitRow): Record<string, unknown> {
  const colon = row.name.indexOf(':');
  const signature = colon > 0 ? row.name.slice(colon + 1).trim() : row.name;
  const id = stableUuid(`ait:${row.scenario}-${row.line}`);
  return {
    ...alertFrame(id, new Date(row.time * 1000).toISOString(), { name: row.name, ruleId: row.short }),
    event: { module: aitDetector(row.name), kind: 'signal' },
    rule: { name: signature },
    host: { name: row.host, ip: [row.ip] },
  };
}

/** Sigma test → alert document; `blind` drops the rule's threat block (technique scoring). */
export function renderSigmaKibana(test: SigmaTest, variant: SigmaVariant): Record<string, unknown> {
  const time = test.events[0] ? sigmaEventTime(test.events[0]) : new Date(0).toISOString();
  const level = LEVELS[test.rule.level] ?? LEVELS.medium!;
  const techniques = variant === 'full' ? test.rule.techniques : [];
  const event = test.events[0];
  const data = event?.EventData ?? {};
  const text = (key: string): string | undefined => (typeof data[key] === 'string' || typeof data[key] === 'number' ? String(data[key]) : undefined);
  const system = event?.System ?? {};
  const computer = typeof system.Computer === 'string' ? system.Computer : undefined;
  const ecsEvent = test.rule.category ? ECS_EVENT_BY_LOG_CATEGORY[test.rule.category] : undefined;
  const provider = (system.Provider as { '#attributes'?: { Name?: string } } | undefined)?.['#attributes']?.Name;
  const document: Record<string, unknown> = {
    ...alertFrame(stableUuid(`sigma:${test.testId}-${variant}`), time, { name: test.rule.title, ruleId: test.rule.id }),
    'kibana.alert.rule.description': test.rule.description,
    'kibana.alert.rule.author': [test.rule.author],
    'kibana.alert.severity': level.severity,
    'kibana.alert.risk_score': level.riskScore,
    ...(techniques.length > 0 ? { 'kibana.alert.rule.threat': threatBlock(techniques) } : {}),
    event: compact({
      code: system.EventID === undefined ? undefined : String(system.EventID),
      kind: 'signal',
      // The rule's log source as ECS event.category / event.type (as Winlogbeat's Sysmon module sets them).
      category: ecsEvent ? [ecsEvent.category] : undefined,
      type: ecsEvent ? [ecsEvent.type] : undefined,
    }),
    host: computer ? { name: computer } : undefined,
    user: text('User') ? { name: text('User') } : undefined,
    process:
      text('Image') || text('CommandLine')
        ? compact({
            executable: text('Image'),
            command_line: text('CommandLine'),
            parent: text('ParentImage') || text('ParentCommandLine') ? compact({ executable: text('ParentImage'), command_line: text('ParentCommandLine') }) : undefined,
            pe: text('OriginalFileName') ? { original_file_name: text('OriginalFileName') } : undefined,
            working_directory: text('CurrentDirectory'),
            hash: ecsHashes(text('Hashes')),
          })
        : undefined,
    registry: text('TargetObject') ? compact({ path: text('TargetObject'), data: text('Details') ? { strings: [text('Details')] } : undefined }) : undefined,
    file: text('TargetFilename') ? { path: text('TargetFilename') } : undefined,
    dll: text('ImageLoaded') ? { path: text('ImageLoaded') } : undefined,
    // Winlogbeat / Elastic Agent keep Windows event data under its own names.
    winlog: compact({ event_data: data, channel: system.Channel, computer_name: computer, provider_name: provider, event_id: system.EventID === undefined ? undefined : String(system.EventID) }),
  };
  return compact(document);
}

/**
 * The Kibana rule `threat` block (detections spec `Threat`: framework, tactic, technique[] with
 * subtechnique[]), tactics from the ATT&CK catalogue. A technique the catalogue does not know
 * keeps its id under the first tactic Kibana would show for an unknown one.
 */
function threatBlock(techniqueIds: string[]): unknown[] {
  const byTactic = new Map<string, Map<string, Set<string>>>();
  for (const id of techniqueIds) {
    const parent = id.includes('.') ? id.slice(0, id.indexOf('.')) : id;
    const tactic = tacticsOf(id)[0] ?? tacticsOf(parent)[0] ?? 'execution';
    const techniques = byTactic.get(tactic) ?? new Map<string, Set<string>>();
    const subtechniques = techniques.get(parent) ?? new Set<string>();
    if (id !== parent) subtechniques.add(id);
    techniques.set(parent, subtechniques);
    byTactic.set(tactic, techniques);
  }
  const tactics = allTactics();
  return [...byTactic].map(([shortname, techniques]) => {
    const tactic = tactics.find((candidate) => candidate.shortname === shortname);
    return {
      framework: 'MITRE ATT&CK',
      tactic: { id: tactic?.id ?? shortname, name: tactic?.name ?? shortname, reference: `https://attack.mitre.org/tactics/${tactic?.id ?? shortname}/` },
      technique: [...techniques].map(([id, subtechniques]) => ({
        id,
        name: lookupTechnique(id)?.name ?? id,
        reference: `https://attack.mitre.org/techniques/${id}/`,
        subtechnique: [...subtechniques].map((sub) => ({ id: sub, name: lookupTechnique(sub)?.name ?? sub, reference: `https://attack.mitre.org/techniques/${sub.replace('.', '/')}/` })),
      })),
    };
  });
}

/** Sysmon `Hashes` (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`) as ECS `process.hash.*`, as Winlogbeat parses it. */
function ecsHashes(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  const hashes: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [name, value] = part.split('=', 2);
    const algorithm = name?.trim().toLowerCase();
    if (value && (algorithm === 'md5' || algorithm === 'sha1' || algorithm === 'sha256')) hashes[algorithm] = value.trim().toLowerCase();
  }
  return Object.keys(hashes).length > 0 ? hashes : undefined;
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined && item !== '')) as T;
}
