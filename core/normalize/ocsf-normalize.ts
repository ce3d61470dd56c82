import { createHash } from 'node:crypto';
import type { Alert, Entity } from '../spec/alert.js';
import { ATTACK_ID_PATTERN } from '../spec/alert.js';
import { InvalidAlertError } from '../spec/errors.js';
import { asString, finalizeAlert, parseSeverity, parseTime, pushEntity, readPath, readString, withTypedErrors } from './finalize.js';

/** OCSF 1.x Detection Finding (class_uid 2004); see ../shared/specs/ocsf/events/findings. */
export const OCSF_DETECTION_FINDING_CLASS = 2004;

export function isOcsfDetectionFinding(native: unknown): boolean {
  return readPath(native, 'class_uid') === OCSF_DETECTION_FINDING_CLASS;
}

/** OCSF severity_id: 1 Informational … 5 Critical, 6 Fatal. */
const SEVERITY_BY_ID: Record<number, Alert['severity']> = {
  1: 'informational',
  2: 'low',
  3: 'medium',
  4: 'high',
  5: 'critical',
  6: 'critical',
};

export function normalizeOcsfFinding(native: unknown): Alert {
  return withTypedErrors(() => readOcsfFinding(native));
}

function readOcsfFinding(native: unknown): Alert {
  if (native === null || typeof native !== 'object' || Array.isArray(native)) {
    throw new InvalidAlertError([{ path: '', message: 'an OCSF Detection Finding must be a JSON object' }]);
  }
  if (readPath(native, 'class_uid') !== OCSF_DETECTION_FINDING_CLASS) {
    throw new InvalidAlertError([{ path: 'class_uid', message: `expected ${OCSF_DETECTION_FINDING_CLASS} (Detection Finding)` }]);
  }
  const title = readString(native, 'finding_info.title') ?? readString(native, 'message');
  const ruleName = readString(native, 'finding_info.analytic.name') ?? title;
  const time = parseTime(readPath(native, 'time'), 'epoch_millis') ?? parseTime(readPath(native, 'time_dt'), 'iso');
  const uid = readString(native, 'finding_info.uid') ?? readString(native, 'metadata.uid');
  const entities: Entity[] = [];
  collectEndpoint(entities, readPath(native, 'device'), 'target');
  const evidences = readPath(native, 'evidences');
  if (Array.isArray(evidences)) for (const evidence of evidences) collectEvidence(entities, evidence);
  collectUser(entities, readPath(native, 'actor.user'), 'actor');
  collectProcess(entities, readPath(native, 'actor.process'));
  const observables = readPath(native, 'observables');
  if (Array.isArray(observables)) for (const observable of observables) collectObservable(entities, observable);

  const attack: string[] = [];
  const attacks = readPath(native, 'finding_info.attacks');
  if (Array.isArray(attacks)) {
    for (const entry of attacks) {
      for (const path of ['sub_technique.uid', 'technique.uid']) {
        const id = readString(entry, path)?.toUpperCase();
        if (id && ATTACK_ID_PATTERN.test(id) && !attack.includes(id)) attack.push(id);
      }
    }
  }
  const severityId = readPath(native, 'severity_id');
  return finalizeAlert({
    id: uid ?? digestId(native),
    source: {
      platform: 'ocsf',
      product: readString(native, 'metadata.product.name'),
      nativeIds: uid ? { finding_uid: uid } : {},
    },
    title: title ?? '',
    ruleName: ruleName ?? '',
    ruleId: readString(native, 'finding_info.analytic.uid'),
    // OCSF has no analytic author; Sigma exports put it in `unmapped` and the Detection Rule
    // License requires it with every match shown.
    ruleAuthor: readString(native, 'unmapped.rule_author'),
    description: readString(native, 'finding_info.desc'),
    severity: typeof severityId === 'number' ? SEVERITY_BY_ID[severityId] : parseSeverity(readPath(native, 'severity')),
    time: time ?? '',
    entities,
    attack,
    category: readString(native, 'finding_info.types'),
    fields: {},
    raw: native,
  });
}

function digestId(native: unknown): string {
  return `ocsf-${createHash('sha256').update(JSON.stringify(native)).digest('hex').slice(0, 16)}`;
}

function collectEvidence(entities: Entity[], evidence: unknown): void {
  collectEndpoint(entities, readPath(evidence, 'device'), 'target');
  collectEndpoint(entities, readPath(evidence, 'src_endpoint'), 'source');
  collectEndpoint(entities, readPath(evidence, 'dst_endpoint'), 'destination');
  collectUser(entities, readPath(evidence, 'user'), 'target');
  collectUser(entities, readPath(evidence, 'actor.user'), 'actor');
  collectProcess(entities, readPath(evidence, 'process'));
  collectProcess(entities, readPath(evidence, 'actor.process'));
  collectFile(entities, readPath(evidence, 'file'));
  // Registry evidence rides in `data` in the Windows-extension shape (evidences have no registry object).
  const registryPath = readString(evidence, 'data.reg_key.path') ?? readString(evidence, 'data.reg_value.path');
  if (registryPath) {
    const details = readString(evidence, 'data.reg_value.data');
    pushEntity(entities, { kind: 'registry', value: registryPath, role: 'target', ...(details ? { properties: { details } } : {}) });
  }
  const url = readString(evidence, 'url.url_string');
  if (url) pushEntity(entities, { kind: 'url', value: url, role: 'related' });
  const queried = readString(evidence, 'query.hostname');
  if (queried) pushEntity(entities, { kind: 'domain', value: queried.toLowerCase(), role: 'destination' });
  const sender = readString(evidence, 'email.from');
  if (sender) {
    const properties: Record<string, string> = {};
    const subject = readString(evidence, 'email.subject');
    if (subject) properties.subject = subject;
    const replyTo = readString(evidence, 'email.reply_to');
    if (replyTo) properties.replyTo = replyTo;
    pushEntity(entities, { kind: 'email', value: sender.toLowerCase(), role: 'source', properties });
  }
}

function collectEndpoint(entities: Entity[], endpoint: unknown, role: Entity['role']): void {
  if (endpoint === undefined) return;
  const hostname = readString(endpoint, 'hostname') ?? readString(endpoint, 'name');
  if (hostname) pushEntity(entities, { kind: 'host', value: hostname, role });
  const ip = readString(endpoint, 'ip');
  if (ip) pushEntity(entities, { kind: 'ip', value: ip, role });
  const domain = readString(endpoint, 'domain');
  if (domain?.includes('.')) pushEntity(entities, { kind: 'domain', value: domain.toLowerCase(), role });
}

function collectUser(entities: Entity[], user: unknown, role: Entity['role']): void {
  const name = readString(user, 'name') ?? readString(user, 'uid');
  if (name) pushEntity(entities, { kind: 'user', value: name, role });
  const email = readString(user, 'email_addr');
  if (email) pushEntity(entities, { kind: 'email', value: email.toLowerCase(), role });
}

function collectProcess(entities: Entity[], process: unknown): void {
  if (process === undefined) return;
  const commandLine = readString(process, 'cmd_line');
  const image = readString(process, 'file.path') ?? readString(process, 'path') ?? readString(process, 'name');
  const value = commandLine ?? image;
  if (!value) return;
  const properties: Record<string, string> = {};
  if (image) properties.image = image;
  if (commandLine) properties.commandLine = commandLine;
  const parentImage = readString(process, 'parent_process.file.path') ?? readString(process, 'parent_process.name');
  if (parentImage) properties.parentImage = parentImage;
  const parentCommandLine = readString(process, 'parent_process.cmd_line');
  if (parentCommandLine) properties.parentCommandLine = parentCommandLine;
  const user = readString(process, 'user.name');
  if (user) properties.user = user;
  pushEntity(entities, { kind: 'process', value, role: 'actor', properties });
  const hashes = readPath(process, 'file.hashes');
  if (Array.isArray(hashes)) for (const hash of hashes) collectHash(entities, hash);
}

function collectFile(entities: Entity[], file: unknown): void {
  if (file === undefined) return;
  const path = readString(file, 'path') ?? readString(file, 'name');
  if (path) pushEntity(entities, { kind: 'file', value: path, role: 'target' });
  const hashes = readPath(file, 'hashes');
  if (Array.isArray(hashes)) for (const hash of hashes) collectHash(entities, hash);
}

function collectHash(entities: Entity[], hash: unknown): void {
  const value = readString(hash, 'value');
  if (value) pushEntity(entities, { kind: 'hash', value: value.toLowerCase(), role: 'related' });
}

/** OCSF observable type_id → entity kind (1 Hostname, 2 IP Address, 4 User Name, 5 Email Address, 6 URL String, 7 File Name, 8 Hash). */
const OBSERVABLE_KIND: Record<number, Entity['kind']> = {
  1: 'host',
  2: 'ip',
  4: 'user',
  5: 'email',
  6: 'url',
  7: 'file',
  8: 'hash',
};

function collectObservable(entities: Entity[], observable: unknown): void {
  const typeId = readPath(observable, 'type_id');
  const value = asString(readPath(observable, 'value'));
  if (typeof typeId !== 'number' || !value) return;
  const kind = OBSERVABLE_KIND[typeId];
  if (kind) pushEntity(entities, { kind, value, role: 'related' });
}
