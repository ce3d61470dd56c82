import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { AttackIdSchema, type Alert, type Entity } from '../spec/alert.js';
import { ConfigError } from '../spec/errors.js';
import { lookupTechnique, tacticsOf } from './attack-catalog.js';
import type { EnricherV1, Finding } from './enricher.js';

export const CriticalitySchema = z.enum(['low', 'medium', 'high', 'critical']);
export type Criticality = z.infer<typeof CriticalitySchema>;
const CRITICALITY_RANK: Record<Criticality, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Which alerts an asset role explains: by rule technique (or its sub-techniques), tactic, or rule-name word. */
export const RoleExplanationSchema = z.strictObject({
  techniques: z.array(AttackIdSchema).default([]),
  tactics: z.array(z.string().min(1)).default([]),
  keywords: z.array(z.string().min(1)).default([]),
});
export type RoleExplanation = z.infer<typeof RoleExplanationSchema>;

const InventoryFileSchema = z.strictObject({
  /** A .csv or .json file; relative paths start at the config file's folder. */
  path: z.string().min(1),
});

export const InventoryOptionsSchema = z.strictObject({
  assets: z.array(InventoryFileSchema).default([]),
  identities: z.array(InventoryFileSchema).default([]),
  /** Roles added to (or replacing) the built-in ones, keyed by role name. */
  roleExplanations: z.record(z.string(), RoleExplanationSchema).default({}),
  nonProductionEnvironments: z
    .array(z.string().min(1))
    .default(['test', 'testing', 'lab', 'dev', 'development', 'sandbox', 'qa', 'uat']),
});
export type InventoryOptions = z.infer<typeof InventoryOptionsSchema>;

const SCANNER: RoleExplanation = {
  techniques: ['T1046', 'T1595', 'T1018', 'T1135', 'T1110', 'T1190'],
  tactics: ['reconnaissance', 'discovery'],
  keywords: ['scan', 'sweep', 'brute force', 'enumeration'],
};
const JUMP_HOST: RoleExplanation = {
  techniques: ['T1021', 'T1569.002', 'T1047', 'T1219', 'T1072'],
  tactics: ['lateral-movement'],
  keywords: ['psexec', 'remote desktop', 'rdp', 'winrm', 'lateral movement'],
};
const SOFTWARE_DEPLOYMENT: RoleExplanation = {
  techniques: ['T1072', 'T1569.002', 'T1543.003', 'T1053.005'],
  tactics: [],
  keywords: ['psexec', 'service install', 'scheduled task'],
};
const DEFAULT_ROLE_EXPLANATIONS: Record<string, RoleExplanation> = {
  'vulnerability-scanner': SCANNER,
  'vuln-scanner': SCANNER,
  scanner: SCANNER,
  'admin-jump-host': JUMP_HOST,
  'jump-host': JUMP_HOST,
  bastion: JUMP_HOST,
  'software-deployment': SOFTWARE_DEPLOYMENT,
};

export interface AssetRecord {
  host: string | undefined;
  ips: string[];
  criticality: Criticality | undefined;
  owner: string | undefined;
  role: string | undefined;
  environment: string | undefined;
  /** `file:line` (CSV) or `file#index` (JSON) the record came from. */
  source: string;
}

export interface IdentityRecord {
  user: string;
  isPrivileged: boolean;
  isService: boolean;
  department: string | undefined;
  owner: string | undefined;
  source: string;
}

/** Loaded inventories, keyed for O(1) matching. Keys are lower case. */
export interface Inventory {
  assetsByName: Map<string, AssetRecord>;
  /** First label of fully qualified names; null where two assets share it. */
  assetsByShortName: Map<string, AssetRecord | null>;
  assetsByIp: Map<string, AssetRecord>;
  identitiesByUser: Map<string, IdentityRecord>;
}

type Row = Record<string, unknown>;
interface Located {
  row: Row;
  /** `line 4` or `entry [3]`, for messages. */
  location: string;
  source: string;
}

function fail(file: string, location: string, problem: string, fix: string): never {
  throw new ConfigError(`${file} ${location}: ${problem}; ${fix}`);
}

const HEADERS = {
  assets: { anyOf: ['host', 'hostname', 'ip'], example: 'host,ip,criticality,owner,role,environment' },
  identities: { anyOf: ['user'], example: 'user,privileged,service,department,owner' },
};

function readCsv(file: string, displayPath: string, text: string, listName: keyof typeof HEADERS): Located[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` csv-parse returns { record, info } pairs; its typings only know the plain rows.
    records = parse(text, {
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = typeof (error as { lines?: unknown }).lines === 'number' ? (error as { lines: number }).lines : 1;
    throw new ConfigError(
      `${file} line ${line}: ${(error as Error).message}; quote values that contain commas or quotes ("a, b") ` +
        'and give every row as many values as the header',
      { cause: error },
    );
  }
  const [header, ...rows] = records;
  if (!header) return [];
  const columns = header.record.map((column) => column.toLowerCase());
  const expected = HEADERS[listName];
  if (!expected.anyOf.some((column) => columns.includes(column))) {
    const problem = `the header row (${header.record.join(',')}) has no ${expected.anyOf.join(' or ')} column`;
    fail(file, `line ${header.info.lines}`, problem, `start the file with a header row such as ${expected.example}`);
  }
  return rows.map(({ record, info }) => ({
    row: Object.fromEntries(columns.map((column, index) => [column, record[index]])),
    location: `line ${info.lines}`,
    source: `${displayPath}:${info.lines}`,
  }));
}

function readJson(file: string, displayPath: string, text: string, listName: string): Located[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message}); fix the syntax or use a CSV file`, {
      cause: error,
    });
  }
  const list = Array.isArray(data) ? data : (data as Record<string, unknown> | null)?.[listName];
  if (!Array.isArray(list)) {
    fail(file, 'top level', `expected an array or {"${listName}": [...]}`, 'wrap the records in an array');
  }
  return list.map((row: unknown, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      fail(file, `entry [${index}]`, 'is not an object', 'give each record as {"host": ..., ...}');
    }
    const lowered = Object.fromEntries(Object.entries(row).map(([key, value]) => [key.toLowerCase(), value]));
    return { row: lowered, location: `entry [${index}]`, source: `${displayPath}#${index}` };
  });
}

function readRows(file: { path: string }, baseDir: string, listName: 'assets' | 'identities', at: string): Located[] {
  const resolved = path.resolve(baseDir, file.path);
  const extension = path.extname(resolved).toLowerCase();
  if (extension !== '.csv' && extension !== '.json') {
    throw new ConfigError(`${at}.path ${file.path}: unsupported file type; use a .csv or .json file`);
  }
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new ConfigError(
      `${at}.path ${resolved} cannot be read (${code}); ` +
        "fix the path (relative paths start at the config file's folder)",
      { cause: error },
    );
  }
  return extension === '.csv'
    ? readCsv(resolved, file.path, text, listName)
    : readJson(resolved, file.path, text, listName);
}

function text(located: Located, file: string, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = located.row[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      fail(file, located.location, `${key} must be text, found ${JSON.stringify(value)}`, `write ${key} as a string`);
    }
    const trimmed = String(value).trim();
    if (trimmed !== '') return trimmed;
  }
  return undefined;
}

function flag(located: Located, file: string, key: string): boolean {
  const value = located.row[key];
  if (typeof value === 'boolean') return value;
  const word = value === undefined || value === null ? '' : String(value).trim().toLowerCase();
  if (['', 'false', 'no', 'n', '0'].includes(word)) return false;
  if (['true', 'yes', 'y', '1'].includes(word)) return true;
  const fix = `write ${key} as true or false (yes/no and 1/0 also work)`;
  return fail(file, located.location, `${key} is "${String(value)}"`, fix);
}

function loadAsset(located: Located, file: string): AssetRecord {
  const host = text(located, file, 'host', 'hostname')?.toLowerCase();
  const rawIps = located.row['ip'];
  const ips = (Array.isArray(rawIps) ? rawIps.map(String) : (text(located, file, 'ip') ?? '').split(/[\s;,|]+/))
    .map((ip) => ip.trim().toLowerCase())
    .filter(Boolean);
  if (!host && ips.length === 0) {
    const fix = 'give a host (or hostname) or an ip so alerts can match the asset';
    fail(file, located.location, 'has neither host nor ip', fix);
  }
  const criticalityText = text(located, file, 'criticality');
  const criticality = CriticalitySchema.safeParse(criticalityText?.toLowerCase());
  if (criticalityText !== undefined && !criticality.success) {
    const problem = `criticality "${criticalityText}" is not one of ${CriticalitySchema.options.join(', ')}`;
    fail(file, located.location, problem, 'use one of those words or leave it empty');
  }
  return {
    host,
    ips,
    criticality: criticality.data,
    owner: text(located, file, 'owner'),
    role: text(located, file, 'role')?.toLowerCase().replace(/[\s_]+/g, '-'),
    environment: text(located, file, 'environment')?.toLowerCase(),
    source: located.source,
  };
}

/** `CORP\jdoe`, `jdoe@corp.example` and `JDoe` all become `jdoe`. */
export function normalizeUserName(user: string): string {
  const withoutDomain = user.slice(user.lastIndexOf('\\') + 1);
  const at = withoutDomain.indexOf('@');
  return (at > 0 ? withoutDomain.slice(0, at) : withoutDomain).trim().toLowerCase();
}

function loadIdentity(located: Located, file: string): IdentityRecord {
  const user = text(located, file, 'user');
  if (!user) fail(file, located.location, 'has no user', 'give the account name in the user column');
  return {
    user,
    isPrivileged: flag(located, file, 'privileged'),
    isService: flag(located, file, 'service'),
    department: text(located, file, 'department'),
    owner: text(located, file, 'owner'),
    source: located.source,
  };
}

/** Where a key repeats, the riskier record wins: the response policy must never under-protect. */
function keep<T>(map: Map<string, T>, key: string, record: T, isRiskier: (candidate: T, current: T) => boolean): void {
  const current = map.get(key);
  if (current === undefined || isRiskier(record, current)) map.set(key, record);
}
const rank = (asset: AssetRecord): number => (asset.criticality ? CRITICALITY_RANK[asset.criticality] : -1);

/** Reads every inventory file named in the options. Throws ConfigError naming the file, line and fix. */
export function loadInventory(
  options: Pick<InventoryOptions, 'assets' | 'identities'>,
  context: { baseDir: string },
): Inventory {
  const inventory: Inventory = {
    assetsByName: new Map(),
    assetsByShortName: new Map(),
    assetsByIp: new Map(),
    identitiesByUser: new Map(),
  };
  const isRiskierAsset = (candidate: AssetRecord, current: AssetRecord) => rank(candidate) > rank(current);
  const isRiskierIdentity = (candidate: IdentityRecord, current: IdentityRecord) =>
    candidate.isPrivileged && !current.isPrivileged;
  options.assets.forEach((file, index) => {
    for (const located of readRows(file, context.baseDir, 'assets', `assets[${index}]`)) {
      const asset = loadAsset(located, path.resolve(context.baseDir, file.path));
      if (asset.host) {
        keep(inventory.assetsByName, asset.host, asset, isRiskierAsset);
        const dot = asset.host.indexOf('.');
        if (dot > 0) {
          const short = asset.host.slice(0, dot);
          const existing = inventory.assetsByShortName.get(short);
          inventory.assetsByShortName.set(short, existing === undefined || existing === asset ? asset : null);
        }
      }
      for (const ip of asset.ips) keep(inventory.assetsByIp, ip, asset, isRiskierAsset);
    }
  });
  options.identities.forEach((file, index) => {
    for (const located of readRows(file, context.baseDir, 'identities', `identities[${index}]`)) {
      const identity = loadIdentity(located, path.resolve(context.baseDir, file.path));
      keep(inventory.identitiesByUser, normalizeUserName(identity.user), identity, isRiskierIdentity);
    }
  });
  return inventory;
}

/** The inventory record for a host or ip entity. A short name (`DC01`) matches a unique `dc01.corp.example`. */
export function findAsset(inventory: Inventory, entity: Pick<Entity, 'kind' | 'value'>): AssetRecord | undefined {
  const value = entity.value.trim().toLowerCase();
  if (entity.kind === 'ip') return inventory.assetsByIp.get(value);
  if (entity.kind !== 'host') return undefined;
  const exact = inventory.assetsByName.get(value);
  if (exact) return exact;
  const dot = value.indexOf('.');
  // An FQDN in the alert may meet a short name in the inventory, and the other way round.
  if (dot > 0) return inventory.assetsByName.get(value.slice(0, dot));
  return inventory.assetsByShortName.get(value) ?? undefined;
}

/** The highest criticality among the alert's inventoried hosts and addresses (undefined when none is known). */
export function lookupAssetCriticality(inventory: Inventory, alert: Pick<Alert, 'entities'>): Criticality | undefined {
  let highest: Criticality | undefined;
  for (const entity of alert.entities) {
    const criticality = findAsset(inventory, entity)?.criticality;
    if (criticality && (!highest || CRITICALITY_RANK[criticality] > CRITICALITY_RANK[highest])) highest = criticality;
  }
  return highest;
}

interface CompiledExplanation {
  techniques: string[];
  tactics: Set<string>;
  keywords: RegExp | undefined;
}

function compileExplanation(explanation: RoleExplanation): CompiledExplanation {
  const escaped = explanation.keywords.map((keyword) => keyword.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return {
    techniques: explanation.techniques.map((id) => id.toUpperCase()),
    tactics: new Set(explanation.tactics.map((tactic) => tactic.toLowerCase())),
    keywords: escaped.length > 0 ? new RegExp(`\\b(?:${escaped.join('|')})`, 'i') : undefined,
  };
}

/** Why the role explains the alert ("technique T1046 Network Service Discovery"), or undefined. */
function explain(explanation: CompiledExplanation, alert: Alert): string | undefined {
  for (const id of alert.attack) {
    const technique = explanation.techniques.find((known) => id === known || id.startsWith(`${known}.`));
    if (technique) return `technique ${id} ${lookupTechnique(id)?.name ?? ''}`.trim();
  }
  for (const id of alert.attack) {
    const tactic = tacticsOf(id).find((candidate) => explanation.tactics.has(candidate));
    if (tactic) return `the ${tactic} tactic of ${id}`;
  }
  const word = explanation.keywords?.exec(`${alert.ruleName} ${alert.title}`)?.[0];
  return word ? `the rule name's "${word}"` : undefined;
}

const INTERACTIVE_LOGON_TYPES = new Set(['2', '10', '11', 'interactive', 'remoteinteractive', 'cachedinteractive']);
const INTERACTIVE_IMAGES = /(?:^|[\\/])(?:explorer|mstsc|rdpclip)\.exe$/i;

/** A sign that a person, not a scheduler, drove the activity: an interactive logon or an Explorer-launched process. */
function interactiveSign(alert: Alert): { ref: string; text: string } | undefined {
  for (const key in alert.fields) {
    const value = alert.fields[key]!.trim().toLowerCase();
    if (key.toLowerCase().replace(/[^a-z]/g, '').endsWith('logontype') && INTERACTIVE_LOGON_TYPES.has(value)) {
      return { ref: `fields.${key}`, text: `logon type ${alert.fields[key]}` };
    }
  }
  for (const [index, entity] of alert.entities.entries()) {
    if (entity.kind !== 'process') continue;
    for (const [name, value] of Object.entries(entity.properties ?? {})) {
      if (/parent|image/i.test(name) && INTERACTIVE_IMAGES.test(value.trim())) {
        return { ref: `entities[${index}].properties.${name}`, text: `${name} ${value}` };
      }
    }
  }
  return undefined;
}

function describe(parts: Record<string, string | undefined>): string {
  const known = Object.entries(parts).filter(([, value]) => value !== undefined);
  return known.length > 0 ? ` (${known.map(([name, value]) => `${name}: ${value}`).join(', ')})` : '';
}

export interface InventoryEnricher extends EnricherV1 {
  /** The loaded inventory, for the response policy (`lookupAssetCriticality`). */
  readonly inventory: Inventory;
}

/**
 * Matches host, ip and user entities against asset and identity inventories loaded once here.
 * enrich() only does Map look-ups, so it stays cheap at tens of thousands of alerts a second.
 */
export function createInventoryEnricher(
  options: z.input<typeof InventoryOptionsSchema>,
  context: { baseDir: string },
): InventoryEnricher {
  const parsed = InventoryOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError(`enrichers.inventory options are invalid: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const inventory = loadInventory(parsed.data, context);
  const explanations = new Map<string, CompiledExplanation>();
  for (const [role, explanation] of Object.entries({ ...DEFAULT_ROLE_EXPLANATIONS, ...parsed.data.roleExplanations })) {
    explanations.set(role.toLowerCase().replace(/[\s_]+/g, '-'), compileExplanation(explanation));
  }
  const nonProduction = new Set(parsed.data.nonProductionEnvironments.map((environment) => environment.toLowerCase()));
  const isEmpty = inventory.assetsByName.size + inventory.assetsByIp.size + inventory.identitiesByUser.size === 0;

  function assetFindings(asset: AssetRecord, entity: Entity, entityRef: string, alert: Alert): Finding[] {
    const refs = [entityRef, asset.source];
    const label = `${entity.kind === 'ip' ? 'Address' : 'Host'} ${entity.value}`;
    const isCritical = asset.criticality === 'high' || asset.criticality === 'critical';
    const standing = !isCritical
      ? 'in the asset inventory'
      : asset.criticality === 'critical'
        ? 'a critical asset'
        : 'a high-criticality asset';
    const facts = describe({
      criticality: isCritical ? undefined : asset.criticality,
      owner: asset.owner,
      role: asset.role,
      environment: asset.environment,
    });
    const findings: Finding[] = [
      {
        kind: 'inventory',
        claim: `${label} is ${standing}${facts}.`,
        weight: isCritical ? 0.3 : 0,
        refs,
        ...(asset.criticality ? { detail: `criticality=${asset.criticality}` } : {}),
      },
    ];
    const explanation = asset.role ? explanations.get(asset.role) : undefined;
    // A scanner that is scanned, or a jump host that is attacked, explains nothing.
    const isDoer = entity.role !== 'target' && entity.role !== 'destination';
    const reason = explanation && isDoer ? explain(explanation, alert) : undefined;
    if (reason) {
      findings.push({
        kind: 'inventory',
        claim: `${label} is recorded as a ${asset.role}${describe({ owner: asset.owner })}, which explains ${reason}.`,
        weight: -1.5,
        refs,
        benignReason: 'expected_activity',
      });
    }
    if (asset.environment && nonProduction.has(asset.environment)) {
      findings.push({
        kind: 'inventory',
        claim: `${label} is in the ${asset.environment} environment, where test activity is expected.`,
        weight: -0.5,
        refs,
        benignReason: 'expected_activity',
      });
    }
    return findings;
  }

  function identityFindings(identity: IdentityRecord, entity: Entity, entityRef: string, alert: Alert): Finding[] {
    const refs = [entityRef, identity.source];
    const kindOfAccount = identity.isPrivileged
      ? 'a privileged account'
      : identity.isService
        ? 'a service account'
        : 'in the identity inventory';
    const findings: Finding[] = [
      {
        kind: 'inventory',
        claim: `User ${entity.value} is ${kindOfAccount}${describe({
          department: identity.department,
          owner: identity.owner,
          service: identity.isPrivileged && identity.isService ? 'yes' : undefined,
        })}.`,
        weight: identity.isPrivileged ? 0.3 : 0,
        refs,
      },
    ];
    const sign = identity.isService ? interactiveSign(alert) : undefined;
    if (sign) {
      findings.push({
        kind: 'inventory',
        claim: `Service account ${entity.value} shows interactive use (${sign.text}); service accounts normally run unattended.`,
        weight: 0.4,
        refs: [entityRef, sign.ref, identity.source],
      });
    }
    return findings;
  }

  return {
    id: 'inventory',
    description:
      'Asset and identity inventory: criticality, owner, privileged and service accounts, ' +
      'roles that explain the alert, test environments.',
    inventory,
    enrich(alert) {
      if (isEmpty) return [];
      let findings: Finding[] | undefined;
      let seen: Set<AssetRecord | IdentityRecord> | undefined;
      alert.entities.forEach((entity, index) => {
        const record =
          entity.kind === 'user'
            ? inventory.identitiesByUser.get(normalizeUserName(entity.value))
            : findAsset(inventory, entity);
        if (!record) return;
        seen ??= new Set();
        if (seen.has(record)) return;
        seen.add(record);
        const entityRef = `entities[${index}].value`;
        const found =
          'user' in record
            ? identityFindings(record, entity, entityRef, alert)
            : assetFindings(record, entity, entityRef, alert);
        (findings ??= []).push(...found);
      });
      return findings ?? [];
    },
  };
}
