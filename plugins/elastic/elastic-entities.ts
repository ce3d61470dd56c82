import { isIP } from 'node:net';
import type { Entity } from '../../core/spec/alert.js';
import { pushEntity, readPath, readString, readStrings } from '../../core/normalize/finalize.js';
import { isRecord } from './elastic-alert.js';

/**
 * ECS entities of a Kibana alert: host, user, process (with parent), registry, file (with hashes),
 * source / destination, url, dns, email, Elastic Defend ransomware files and the atomic values
 * of `threat.enrichments` (indicator-match rules). Pure.
 */

const HASH_ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const;

export function readEntities(source: Record<string, unknown>): Entity[] {
  const entities: Entity[] = [];
  const add = (kind: Entity['kind'], value: string | undefined, role: Entity['role'], properties?: Record<string, string | undefined>): void => {
    if (value === undefined) return;
    const kept = Object.fromEntries(Object.entries(properties ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
    pushEntity(entities, { kind, value, role, ...(properties ? { properties: kept } : {}) });
  };
  const text = (path: string): string | undefined => readString(source, path);

  for (const name of [text('host.name') ?? text('host.hostname')]) add(addressKind(name), name, 'target');
  for (const ip of readStrings(source, 'host.ip')) add('ip', ip, 'target');
  add('user', text('user.name'), 'actor', text('user.domain') ? { domain: text('user.domain') } : undefined);
  add('user', text('user.target.name'), 'target');

  const commandLine = text('process.command_line');
  const image = text('process.executable');
  // A process entity is its command line: enrichers read the entity value as one. An executable
  // alone (a file or registry event) stays the `image` of the file / registry entity instead.
  add('process', commandLine, 'actor', {
    image,
    commandLine,
    parentImage: text('process.parent.executable'),
    parentCommandLine: text('process.parent.command_line'),
    user: text('user.name'),
    hashes: hashList(source, 'process.hash'),
    originalFileName: text('process.pe.original_file_name'),
    integrityLevel: text('winlog.event_data.IntegrityLevel'),
    currentDirectory: text('process.working_directory'),
  });
  const registryPath = text('registry.path');
  if (registryPath) add('registry', registryPath, 'target', { details: readStrings(source, 'registry.data.strings')[0], eventType: text('winlog.event_data.EventType'), image });
  add('file', text('file.path'), 'target', { image, hashes: hashList(source, 'file.hash') });
  // A module load (Elastic Defend / Sysmon image load): the DLL is the target file.
  add('file', text('dll.path'), 'target', { image, hashes: hashList(source, 'dll.hash') });
  for (const path of readStrings(source, 'Ransomware.files.path')) add('file', path, 'target', { image });
  for (const root of ['process', 'file', 'dll', 'process.parent']) {
    for (const algorithm of HASH_ALGORITHMS) {
      for (const value of readStrings(source, `${root}.hash.${algorithm}`)) add('hash', value.toLowerCase(), 'related', { algorithm });
    }
  }

  for (const [root, role] of [
    ['source', 'source'],
    ['destination', 'destination'],
  ] as const) {
    add('ip', text(`${root}.ip`), role);
    const address = text(`${root}.address`);
    if (address && address !== text(`${root}.ip`)) add(addressKind(address), address, role);
    add('domain', text(`${root}.domain`), role);
    add('user', text(`${root}.user.name`), role);
  }
  add('url', text('url.full') ?? text('url.original'), 'related');
  add('domain', text('dns.question.name'), 'related');
  add('email', text('email.from.address'), 'source');
  for (const address of readStrings(source, 'email.to.address')) add('email', address, 'target');
  readEnrichments(source, add);
  return entities;
}

/** `MD5=…,SHA256=…` from ECS `<root>.hash.*`, Sysmon's `Hashes` layout. */
function hashList(source: Record<string, unknown>, root: string): string | undefined {
  const parts = HASH_ALGORITHMS.flatMap((algorithm) =>
    readStrings(source, `${root}.${algorithm}`)
      .slice(0, 1)
      .map((value) => `${algorithm.toUpperCase()}=${value}`),
  );
  return parts.length > 0 ? parts.join(',') : undefined;
}

function addressKind(value: string | undefined): Entity['kind'] {
  return value !== undefined && isIP(value) !== 0 ? 'ip' : 'host';
}

/** ECS `threat.enrichments[]`: the atomic value an indicator matched, typed by the matched field. */
function readEnrichments(source: Record<string, unknown>, add: (kind: Entity['kind'], value: string | undefined, role: Entity['role'], properties?: Record<string, string | undefined>) => void): void {
  const enrichments = readPath(source, 'threat.enrichments');
  for (const enrichment of Array.isArray(enrichments) ? enrichments : [enrichments]) {
    if (!isRecord(enrichment)) continue;
    const atomic = readString(enrichment, 'matched.atomic');
    if (atomic === undefined) continue;
    const field = readString(enrichment, 'matched.field') ?? '';
    const properties = { indicatorType: readString(enrichment, 'indicator.type'), feed: readString(enrichment, 'feed.name'), matchedField: field || undefined };
    add(kindOfMatchedField(field, atomic), atomic, 'related', properties);
  }
}

function kindOfMatchedField(field: string, atomic: string): Entity['kind'] {
  if (/\.hash\./.test(field)) return 'hash';
  if (/(^|\.)ip$/.test(field) || isIP(atomic) !== 0) return 'ip';
  if (/^url\./.test(field)) return 'url';
  if (/domain|question\.name|hostname/.test(field)) return 'domain';
  if (/email|address$/.test(field) && atomic.includes('@')) return 'email';
  if (/\.path$/.test(field)) return 'file';
  return 'domain';
}
