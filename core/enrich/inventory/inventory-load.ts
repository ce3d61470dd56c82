import path from 'node:path';
import { z } from 'zod';
import { fail, flag, readRows, text, type Located } from './inventory-rows.js';
import type { InventoryOptions } from './inventory.js';

export const CriticalitySchema = z.enum(['low', 'medium', 'high', 'critical']);
export type Criticality = z.infer<typeof CriticalitySchema>;
export const CRITICALITY_RANK: Record<Criticality, number> = { low: 0, medium: 1, high: 2, critical: 3 };

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

function loadAsset(located: Located, file: string): AssetRecord {
  const host = text(located, file, 'host', 'hostname')?.toLowerCase();
  const rawIps = located.row['ip'];
  const ips = (Array.isArray(rawIps) ? rawIps.map(String) : (text(located, file, 'ip') ?? '').split(/[\s;,|]+/)).map((ip) => ip.trim().toLowerCase()).filter(Boolean);
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
    role: text(located, file, 'role')
      ?.toLowerCase()
      .replace(/[\s_]+/g, '-'),
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
export function loadInventory(options: Pick<InventoryOptions, 'assets' | 'identities'>, context: { baseDir: string }): Inventory {
  const inventory: Inventory = {
    assetsByName: new Map(),
    assetsByShortName: new Map(),
    assetsByIp: new Map(),
    identitiesByUser: new Map(),
  };
  const isRiskierAsset = (candidate: AssetRecord, current: AssetRecord) => rank(candidate) > rank(current);
  const isRiskierIdentity = (candidate: IdentityRecord, current: IdentityRecord) => candidate.isPrivileged && !current.isPrivileged;
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
