import { ATTACK_ID_PATTERN, type Alert, type AlertInput } from '../../core/spec/alert.js';
import { InvalidAlertError, type FieldIssue } from '../../core/spec/errors.js';
import { asString, finalizeAlert, parseSeverity, parseTime, readPath, readString, readStrings, withTypedErrors } from '../../core/normalize/finalize.js';
import { isRecord, unwrapAlertDocument, type ElasticAlertDocument } from './elastic-alert.js';
import { logCategoryOf } from './elastic-category.js';
import { readEntities } from './elastic-entities.js';

/**
 * Kibana security alert document → Alert. Pure. Reads both flattened dotted keys and nested
 * objects (core `readPath`: a dotted key wins over nesting), as the field list in
 * specs/elastic/security-alert-fields.md says a tolerant reader must.
 */

/** Attack discovery alerts (Kibana 9.5+) carry no rule name; the rule type names them. */
const ATTACK_DISCOVERY_RULE = 'Attack discovery';

/**
 * Alert content kept as flat fields for enrichers. Workflow state (status, reason, tags, assignees,
 * case ids) is left out: neither the analyst's decision nor Verdict's own earlier tags may feed
 * back into a verdict except through dispositions.
 */
const KEPT_FIELDS = [
  'event.code',
  'event.action',
  'event.category',
  'event.type',
  'event.dataset',
  'event.module',
  'event.outcome',
  'event.provider',
  'rule.name',
  'rule.id',
  'rule.ruleset',
  'process.executable',
  'process.name',
  'kibana.alert.reason',
  'kibana.alert.risk_score',
  'kibana.alert.rule.type',
  'kibana.alert.rule.rule_type_id',
  'kibana.alert.rule.tags',
  'kibana.alert.building_block_type',
  'kibana.alert.depth',
  'kibana.alert.ancestors.id',
  'kibana.alert.ancestors.index',
  'kibana.alert.host.criticality_level',
  'kibana.alert.user.criticality_level',
  'kibana.alert.original_event.code',
  'kibana.alert.original_event.action',
  'kibana.alert.new_terms',
  'kibana.alert.attack_discovery.alert_ids',
  'kibana.alert.attack_discovery.title_with_replacements',
  'host.os.name',
  'host.os.family',
  'user.domain',
  'user_agent.original',
  'dns.question.name',
  'dns.question.type',
  'url.full',
  'url.domain',
  'email.subject',
  'email.from.address',
  'email.to.address',
  'email.sender.address',
  'email.reply_to.address',
  'email.attachments.file.name',
  'network.protocol',
  'network.direction',
  'destination.port',
  'source.port',
  'file.Ext.malware_classification.identifier',
  'file.Ext.malware_classification.score',
  'file.Ext.malware_classification.threshold',
  'file.code_signature.subject_name',
  'file.code_signature.trusted',
  'process.code_signature.subject_name',
  'process.code_signature.trusted',
  'Ransomware.feature',
  'Ransomware.files.path',
  'Ransomware.files.entropy',
  'Ransomware.files.extension',
  'Ransomware.files.metrics',
  'Memory_protection.feature',
  'Endpoint.policy.applied.name',
  'Endpoint.policy.applied.id',
  'threat.enrichments.matched.atomic',
  'threat.enrichments.matched.field',
  'threat.enrichments.matched.type',
  'threat.enrichments.indicator.type',
  'threat.enrichments.feed.name',
  'threat.indicator.type',
];

/** Windows event data (Winlogbeat / Elastic Agent `winlog.event_data.*`) keeps Sysmon's own names. */
const EVENT_DATA_PATHS = ['winlog.event_data', 'kibana.alert.original_event.winlog.event_data'];

export function looksLikeElasticAlert(native: unknown): boolean {
  try {
    const document = unwrapAlertDocument(native);
    if (!document) return false;
    return ['kibana.alert.rule.name', 'kibana.alert.uuid', 'kibana.alert.rule.uuid', 'kibana.alert.attack_discovery.alert_ids'].some((path) => readPath(document.source, path) !== undefined);
  } catch {
    return false; // A payload too deep to walk is not a Kibana alert.
  }
}

export function normalizeElasticAlert(native: unknown): Alert {
  return withTypedErrors(() => readAlert(native));
}

function readAlert(native: unknown): Alert {
  const document = unwrapAlertDocument(native);
  if (!document) throw new InvalidAlertError([{ path: '', message: 'expected a Kibana alert document (_source) or a search hit {_id, _index, _source}' }]);
  const { source } = document;
  const issues: FieldIssue[] = [];
  const id = readString(source, 'kibana.alert.uuid') ?? document.id;
  if (id === undefined) issues.push({ path: 'kibana.alert.uuid', message: 'missing; an alert needs kibana.alert.uuid or the hit _id' });
  const rawTime = readPath(source, '@timestamp') ?? readPath(source, 'kibana.alert.original_time');
  const time = parseTime(rawTime);
  if (time === undefined) issues.push({ path: '@timestamp', message: 'missing or unreadable; expected an ISO 8601 time or epoch milliseconds' });
  const discoveryTitle = readString(source, 'kibana.alert.attack_discovery.title_with_replacements');
  const ruleName = readString(source, 'kibana.alert.rule.name') ?? (discoveryTitle ? ATTACK_DISCOVERY_RULE : undefined);
  if (ruleName === undefined) issues.push({ path: 'kibana.alert.rule.name', message: 'missing; a detection alert names its rule in kibana.alert.rule.name' });
  if (issues.length > 0 || id === undefined || time === undefined || ruleName === undefined) throw new InvalidAlertError(issues);

  const alert: AlertInput = {
    id,
    source: { platform: 'elastic', product: readString(source, 'event.module') ?? readString(source, 'kibana.alert.original_event.module'), nativeIds: nativeIdsOf(document, id) },
    // The detector's own signature (ECS rule.name) is the clearest title; else the Kibana rule.
    title: discoveryTitle ?? readString(source, 'rule.name') ?? ruleName,
    ruleName,
    ruleId: readString(source, 'kibana.alert.rule.rule_id') ?? readString(source, 'kibana.alert.rule.uuid'),
    ruleAuthor: readStrings(source, 'kibana.alert.rule.author').join(', ') || undefined,
    description: readString(source, 'kibana.alert.rule.description'),
    severity: parseSeverity(readPath(source, 'kibana.alert.severity')),
    time,
    entities: readEntities(source),
    attack: readAttack(source),
    category: logCategoryOf(source),
    fields: readFields(source),
    raw: native,
  };
  return finalizeAlert(alert);
}

function nativeIdsOf(document: ElasticAlertDocument, id: string): Record<string, string> {
  const ids: Record<string, string> = { 'kibana.alert.uuid': id };
  if (document.id) ids._id = document.id;
  if (document.index) ids._index = document.index;
  for (const path of ['kibana.alert.rule.uuid', 'kibana.alert.rule.rule_id', 'kibana.alert.instance.id', 'kibana.space_ids', 'kibana.alert.rule.revision']) {
    const value = readString(document.source, path);
    if (value !== undefined) ids[path] = value;
  }
  return ids;
}

/**
 * Technique ids of the rule's threat block (`kibana.alert.rule.threat[].technique[].id` and
 * subtechniques, nested or dotted) and of ECS `threat.*` copied from the source event.
 */
function readAttack(source: Record<string, unknown>): string[] {
  const ids = ['kibana.alert.rule.threat', 'threat'].flatMap((root) => [...readStrings(source, `${root}.technique.id`), ...readStrings(source, `${root}.technique.subtechnique.id`)]);
  return [...new Set(ids.map((value) => value.trim().toUpperCase()).filter((value) => ATTACK_ID_PATTERN.test(value)))];
}

function readFields(source: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const path of KEPT_FIELDS) {
    const values = readStrings(source, path);
    if (values.length > 0) fields[path] = [...new Set(values)].join('\n');
  }
  for (const path of EVENT_DATA_PATHS) {
    const data = readPath(source, path);
    if (!isRecord(data)) continue;
    for (const [key, value] of Object.entries(data)) {
      const text = asString(value);
      if (text !== undefined && fields[key] === undefined) fields[key] = text;
    }
  }
  return fields;
}
