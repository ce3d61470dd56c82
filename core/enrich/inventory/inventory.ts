import { z } from 'zod';
import type { Alert, Entity } from '../../spec/alert.js';
import { ConfigError } from '../../spec/errors.js';
import type { EnricherV1, Finding } from '../enricher.js';
import { CRITICALITY_RANK, loadInventory, normalizeUserName, type AssetRecord, type Criticality, type IdentityRecord, type Inventory } from './inventory-load.js';
import { compileExplanation, DEFAULT_ROLE_EXPLANATIONS, explain, RoleExplanationSchema, type CompiledExplanation } from './inventory-roles.js';
import { entityRef } from '../field-path.js';

const InventoryFileSchema = z.strictObject({
  /** A .csv or .json file; relative paths start at the config file's folder. */
  path: z.string().min(1),
});

export const InventoryOptionsSchema = z.strictObject({
  assets: z.array(InventoryFileSchema).default([]),
  identities: z.array(InventoryFileSchema).default([]),
  /** Roles added to (or replacing) the built-in ones, keyed by role name. */
  roleExplanations: z.record(z.string(), RoleExplanationSchema).default({}),
  nonProductionEnvironments: z.array(z.string().min(1)).default(['test', 'testing', 'lab', 'dev', 'development', 'sandbox', 'qa', 'uat']),
});
export type InventoryOptions = z.infer<typeof InventoryOptionsSchema>;

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

const INTERACTIVE_LOGON_TYPES = new Set(['2', '10', '11', 'interactive', 'remoteinteractive', 'cachedinteractive']);
const INTERACTIVE_IMAGES = /(?:^|[\\/])(?:explorer|mstsc|rdpclip)\.exe$/i;

/** A sign that a person, not a scheduler, drove the activity: an interactive logon or an Explorer-launched process. */
function interactiveSign(alert: Alert): { ref: string; text: string } | undefined {
  for (const key in alert.fields) {
    const value = alert.fields[key]!.trim().toLowerCase();
    if (
      key
        .toLowerCase()
        .replace(/[^a-z]/g, '')
        .endsWith('logontype') &&
      INTERACTIVE_LOGON_TYPES.has(value)
    ) {
      return { ref: `fields.${key}`, text: `logon type ${alert.fields[key]}` };
    }
  }
  for (const [index, entity] of alert.entities.entries()) {
    if (entity.kind !== 'process') continue;
    for (const [name, value] of Object.entries(entity.properties ?? {})) {
      if (/parent|image/i.test(name) && INTERACTIVE_IMAGES.test(value.trim())) {
        return { ref: entityRef(index, name), text: `${name} ${value}` };
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
export function createInventoryEnricher(options: z.input<typeof InventoryOptionsSchema>, context: { baseDir: string }): InventoryEnricher {
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
    const standing = !isCritical ? 'in the asset inventory' : asset.criticality === 'critical' ? 'a critical asset' : 'a high-criticality asset';
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
    const kindOfAccount = identity.isPrivileged ? 'a privileged account' : identity.isService ? 'a service account' : 'in the identity inventory';
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
    description: 'Asset and identity inventory: criticality, owner, privileged and service accounts, ' + 'roles that explain the alert, test environments.',
    inventory,
    enrich(alert) {
      if (isEmpty) return [];
      let findings: Finding[] | undefined;
      let seen: Set<AssetRecord | IdentityRecord> | undefined;
      alert.entities.forEach((entity, index) => {
        const record = entity.kind === 'user' ? inventory.identitiesByUser.get(normalizeUserName(entity.value)) : findAsset(inventory, entity);
        if (!record) return;
        seen ??= new Set();
        if (seen.has(record)) return;
        seen.add(record);
        const ref = entityRef(index);
        const found = 'user' in record ? identityFindings(record, entity, ref, alert) : assetFindings(record, entity, ref, alert);
        (findings ??= []).push(...found);
      });
      return findings ?? [];
    },
  };
}
