import { z } from 'zod';
import type { Alert, EntityRole } from '../../spec/alert.js';
import { isRepeatedEntity, type EnricherV1, type Finding } from '../enricher.js';
import { parseEnricherOptions } from '../enricher-options.js';
import { CidrTable } from './cidr-table.js';
import { formatCidr, parseCidr, parseIp } from './ip-address.js';
import { classifyIp, type SpecialRange } from './ip-special-ranges.js';
import { entityRef } from '../field-path.js';

const cidrText = z.string().refine((text) => parseCidr(text.trim()) !== undefined, 'write a CIDR block such as 10.0.0.0/8 or fd00::/8, or a single address');

export const NetworkOptionsSchema = z.strictObject({
  /** The organisation's own address space. Empty: private-use ranges (RFC 1918, fc00::/7, 100.64/10) count as internal. */
  internalRanges: z.array(cidrText).default([]),
  /** Authorised scanners (vulnerability management, attack-surface monitoring) by address block. */
  knownScanners: z.array(z.strictObject({ cidr: cidrText, name: z.string().min(1) })).default([]),
});
export type NetworkOptions = z.infer<typeof NetworkOptionsSchema>;
export type NetworkOptionsInput = z.input<typeof NetworkOptionsSchema>;

/** Log-likelihood ratios. A sanctioned scanner explains the activity outright; bogons hint at bad data. */
const WEIGHT = {
  scannerAsSource: -2.5,
  /** The alert names the scanner without saying it was the source. */
  scannerRoleUnknown: -1.25,
  documentationAddress: -1.5,
  bogonAddress: -1,
} as const;

/** Ranges no real peer ever uses: seeing one means sample data, a placeholder or a sinkholed answer. */
const DOCUMENTATION_CATEGORIES = new Set<SpecialRange['category']>(['documentation', 'benchmarking']);
const BOGON_CATEGORIES = new Set<SpecialRange['category']>(['reserved', 'unspecified', 'broadcast']);
const PRIVATE_CATEGORIES = new Set<SpecialRange['category']>(['private', 'shared', 'unique_local']);
const SOURCE_ROLES = new Set<EntityRole>(['source', 'actor']);

interface Scanner {
  name: string;
  cidr: string;
}

/**
 * IP address context: internal or external, special-purpose ranges, and authorised scanners.
 * Every address gets a context finding (weight 0); scanners as the source explain the alert as
 * expected activity; documentation and bogon addresses suggest the detection read bad data.
 */
export function createNetworkEnricher(options: NetworkOptionsInput = {}, _environment: { baseDir?: string } = {}): EnricherV1 {
  const settings = parseEnricherOptions('network', NetworkOptionsSchema, options);
  const internal = new CidrTable<string>(
    settings.internalRanges.map((text) => {
      const cidr = parseCidr(text.trim())!;
      return { cidr, value: formatCidr(cidr) };
    }),
  );
  const scanners = new CidrTable<Scanner>(
    settings.knownScanners.map((scanner) => {
      const cidr = parseCidr(scanner.cidr.trim())!;
      return { cidr, value: { name: scanner.name, cidr: formatCidr(cidr) } };
    }),
  );
  const hasInternalRanges = internal.size > 0;

  return {
    id: 'network',
    description: 'IP addresses: internal or external, special-purpose and bogon ranges, authorised scanners.',
    enrich(alert: Alert): Finding[] {
      const entities = alert.entities;
      let findings: Finding[] | undefined;
      let scannerFinding: Finding | undefined;
      let badData: { weight: number; addresses: string[]; refs: string[]; names: string[] } | undefined;
      for (let index = 0; index < entities.length; index++) {
        const entity = entities[index];
        if (entity?.kind !== 'ip' || isRepeatedEntity(entities, index)) continue;
        const address = parseIp(entity.value.trim());
        if (!address) continue;
        findings ??= [];
        const ref = entityRef(index);
        const shown = `${entity.value} (${entity.role})`;
        const internalRange = internal.lookup(address)?.[0]?.value;
        const special = classifyIp(address);
        const scanner = scanners.lookup(address)?.[0]?.value;

        if (scanner) {
          const isSource = SOURCE_ROLES.has(entity.role);
          const weight = isSource ? WEIGHT.scannerAsSource : entity.role === 'related' ? WEIGHT.scannerRoleUnknown : 0;
          if (!scannerFinding || weight < scannerFinding.weight) {
            scannerFinding = {
              kind: 'network',
              claim:
                isSource || weight < 0
                  ? `${shown} is the authorised scanner "${scanner.name}" (${scanner.cidr})${isSource ? '' : ', though the alert does not say it was the source'}.`
                  : `${shown} is the authorised scanner "${scanner.name}" (${scanner.cidr}), but as the ${entity.role}, so it does not explain the alert.`,
              weight,
              refs: [ref, 'options.knownScanners'],
              ...(weight < 0 ? { benignReason: 'expected_activity' as const } : {}),
            };
          }
        }

        if (internalRange) {
          findings.push(context(`${shown} is internal: inside the configured range ${internalRange}.`, ref));
        } else if (!special) {
          findings.push(context(`${shown} is external: a public, globally routable address.`, ref));
        } else if (PRIVATE_CATEGORIES.has(special.category)) {
          findings.push(
            context(
              hasInternalRanges
                ? `${shown} is in the ${special.name} range (${special.rfc}) but outside the configured internal ranges.`
                : `${shown} is internal: in the ${special.name} range (${special.rfc}).`,
              ref,
            ),
          );
        } else {
          findings.push(context(`${shown} is in the ${special.name} range (${special.rfc}), not a routable Internet peer.`, ref));
          const isDocumentation = DOCUMENTATION_CATEGORIES.has(special.category);
          // A configured scanner is the operator's word that the address is real (labs use odd space).
          if (!scanner && (isDocumentation || BOGON_CATEGORIES.has(special.category))) {
            badData ??= { weight: 0, addresses: [], refs: [], names: [] };
            badData.weight = Math.min(badData.weight, isDocumentation ? WEIGHT.documentationAddress : WEIGHT.bogonAddress);
            badData.addresses.push(entity.value);
            badData.refs.push(ref);
            if (!badData.names.includes(special.name)) badData.names.push(special.name);
          }
        }
      }
      if (!findings) return [];
      if (scannerFinding) findings.push(scannerFinding);
      if (badData) {
        // One finding for all such addresses: they are one fact about the data, not several.
        findings.push({
          kind: 'network',
          claim: `${badData.addresses.join(', ')} ${badData.addresses.length === 1 ? 'is' : 'are'} in ${badData.names.join(' / ')} space that real traffic never uses: the alert was likely raised on sample, placeholder or sinkholed data.`,
          weight: badData.weight,
          refs: badData.refs,
          benignReason: 'detection_error',
        });
      }
      return findings;
    },
  };
}

function context(claim: string, ref: string): Finding {
  return { kind: 'network', claim, weight: 0, refs: [ref] };
}
