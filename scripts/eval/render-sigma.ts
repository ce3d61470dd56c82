import { ocsfFindingHeader, type Rendering } from './render-ait.js';
import { renderSigmaKibana } from './render-kibana.js';
import { renderGraphSigmaTest } from './render-graph.js';
import { sigmaEventTime, type SigmaTest } from './sigma-source.js';

export type SigmaVariant = 'full' | 'blind';

/** Fixed level table from the data README. */
const LEVELS: Record<string, { splunk: string; ocsf: number }> = {
  informational: { splunk: 'informational', ocsf: 1 },
  low: { splunk: 'low', ocsf: 2 },
  medium: { splunk: 'medium', ocsf: 3 },
  high: { splunk: 'high', ocsf: 4 },
  critical: { splunk: 'critical', ocsf: 5 },
};

function eventData(test: SigmaTest, field: string): string | undefined {
  for (const event of test.events) {
    const value = event.EventData?.[field];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return undefined;
}

function computer(test: SigmaTest): string | undefined {
  const value = test.events[0]?.System?.Computer;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Sigma test → native alert. The `blind` variant drops the rule's ATT&CK tags so technique
 * mapping must come from the event; the rule author always stays (Detection Rule License).
 */
export function renderSigmaTest(test: SigmaTest, rendering: Rendering, variant: SigmaVariant): unknown {
  const time = test.events[0] ? sigmaEventTime(test.events[0]) : new Date(0).toISOString();
  const techniques = variant === 'full' ? test.rule.techniques : [];
  const level = LEVELS[test.rule.level] ?? LEVELS.medium!;
  const id = `sigma-${test.testId}-${variant}`;
  switch (rendering) {
    case 'generic':
      return {
        id,
        time,
        rule: { title: test.rule.title, description: test.rule.description, level: test.rule.level, author: test.rule.author, id: test.rule.id, category: test.rule.category, techniques },
        events: test.events.map((event) => ({ System: flattenSystem(event.System), EventData: event.EventData })),
      };
    case 'splunk': {
      // Raw log lines (network-device syslog…) go in as they were logged; Windows events as their JSON.
      const rawLines = test.events.map((event) => event.EventData.RawLine).filter((line): line is string => typeof line === 'string');
      const raw = rawLines.length === test.events.length ? rawLines.join('\n') : JSON.stringify(test.events.length === 1 ? test.events[0] : test.events);
      return compact({
        _time: String(Date.parse(time) / 1000),
        event_id: id,
        search_name: test.rule.title,
        rule_name: test.rule.title,
        rule_id: test.rule.id,
        rule_description: test.rule.description,
        rule_author: test.rule.author,
        urgency: level.splunk,
        // The README's Splunk mapping names the technique-id subfield of the ES annotations.
        'annotations.mitre_attack.mitre_technique_id': techniques.length ? techniques : undefined,
        process: eventData(test, 'CommandLine'),
        process_path: eventData(test, 'Image'),
        parent_process: eventData(test, 'ParentCommandLine'),
        parent_process_path: eventData(test, 'ParentImage'),
        user: eventData(test, 'User'),
        dest: computer(test),
        process_hash: eventData(test, 'Hashes'),
        registry_path: eventData(test, 'TargetObject'),
        registry_value_data: eventData(test, 'Details'),
        file_path: eventData(test, 'TargetFilename'),
        status: 'new',
        _raw: raw,
      });
    }
    case 'ocsf':
      return {
        ...ocsfFindingHeader(level.ocsf, Date.parse(time)),
        metadata: { product: { name: 'Sigma', vendor_name: 'SigmaHQ' }, version: '1.5.0', uid: id },
        finding_info: {
          uid: id,
          title: test.rule.title,
          desc: test.rule.description,
          analytic: { name: test.rule.title, uid: test.rule.id, type_id: 1 },
          attacks: techniques.map((technique) => ({ technique: { uid: technique } })),
          types: test.rule.category ? [test.rule.category] : [],
        },
        device: { hostname: computer(test) },
        evidences: test.events.map((event) => ocsfEvidence(event.EventData)),
        unmapped: { rule_author: test.rule.author },
      };
    case 'kibana':
      return renderSigmaKibana(test, variant);
    case 'graph':
      return renderGraphSigmaTest(test, variant, time);
  }
}

function ocsfEvidence(data: Record<string, unknown>): Record<string, unknown> {
  const text = (key: string): string | undefined => (typeof data[key] === 'string' || typeof data[key] === 'number' ? String(data[key]) : undefined);
  return compact({
    process:
      text('Image') || text('CommandLine')
        ? compact({
            cmd_line: text('CommandLine'),
            file: text('Image') ? { path: text('Image') } : undefined,
            parent_process:
              text('ParentImage') || text('ParentCommandLine') ? compact({ cmd_line: text('ParentCommandLine'), file: text('ParentImage') ? { path: text('ParentImage') } : undefined }) : undefined,
            user: text('User') ? { name: text('User') } : undefined,
          })
        : undefined,
    file: text('TargetFilename') ? { path: text('TargetFilename') } : text('ImageLoaded') ? { path: text('ImageLoaded') } : undefined,
    user: text('User') ? { name: text('User') } : undefined,
    // Detection Finding evidences have no registry object; `data` carries the Windows-extension
    // shape (reg_key / reg_value), as OCSF recommends for what the evidence attributes lack.
    data: text('TargetObject') ? { reg_key: { path: text('TargetObject') }, ...(text('Details') ? { reg_value: { path: text('TargetObject'), data: text('Details') } } : {}) } : undefined,
  });
}

/** System fields as scalars (Provider name, event id, channel, computer). */
function flattenSystem(system: Record<string, unknown>): Record<string, unknown> {
  const provider = system.Provider as { '#attributes'?: { Name?: string } } | undefined;
  return { EventID: system.EventID, Channel: system.Channel, Computer: system.Computer, Provider: provider?.['#attributes']?.Name };
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined && item !== '')) as T;
}

/** Field map for the generic rendering: a Sysmon / Windows event export with the rule that fired. */
export const SIGMA_EXPORT_FIELD_MAP = {
  id: 'id',
  title: 'rule.title',
  ruleName: 'rule.title',
  ruleId: 'rule.id',
  ruleAuthor: 'rule.author',
  description: 'rule.description',
  severity: 'rule.level',
  time: 'time',
  timeFormat: 'iso' as const,
  category: 'rule.category',
  attack: 'rule.techniques',
  entities: [
    { kind: 'host', path: 'events.System.Computer', role: 'target' as const },
    { kind: 'user', path: 'events.EventData.User', role: 'actor' as const },
    {
      kind: 'process',
      path: 'events.EventData.CommandLine',
      role: 'actor' as const,
      properties: {
        image: 'events.EventData.Image',
        commandLine: 'events.EventData.CommandLine',
        parentImage: 'events.EventData.ParentImage',
        parentCommandLine: 'events.EventData.ParentCommandLine',
        user: 'events.EventData.User',
        hashes: 'events.EventData.Hashes',
        originalFileName: 'events.EventData.OriginalFileName',
        integrityLevel: 'events.EventData.IntegrityLevel',
        currentDirectory: 'events.EventData.CurrentDirectory',
      },
    },
    {
      kind: 'registry',
      path: 'events.EventData.TargetObject',
      role: 'target' as const,
      properties: { details: 'events.EventData.Details', eventType: 'events.EventData.EventType', image: 'events.EventData.Image' },
    },
    { kind: 'file', path: 'events.EventData.TargetFilename', role: 'target' as const, properties: { image: 'events.EventData.Image' } },
    { kind: 'file', path: 'events.EventData.ImageLoaded', role: 'target' as const, properties: { image: 'events.EventData.Image' } },
  ],
  severityMap: {},
  keepFields: [],
  keepFieldsUnder: ['events.EventData', 'events.System'],
};
