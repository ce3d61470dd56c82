import taxonomyData from '../../data/knowledge/title-taxonomy.json' with { type: 'json' };
import type { BenignReason } from '../../spec/evidence.js';
import { compilePattern } from './knowledge-rows.js';

/**
 * General knowledge of what words in an alert title mean (vendor signature categories, decoder
 * events, anomaly detectors, attack vocabulary), read from core/data/knowledge/title-taxonomy.json
 * (`npm run knowledge`, source scripts/knowledge/sources/title-taxonomy.yaml). One row per concept,
 * no product-specific alert names. Weights are natural-log likelihood ratios for "caused by an attack".
 */
export interface TaxonomyEntry {
  id: string;
  pattern: RegExp;
  weight: number;
  claim: string;
  benignReason?: BenignReason;
  attack?: string[];
  /** Reads this way only when the alert comes from a statistical anomaly detector ("New …" from a signature rule is not novelty). */
  requiresAnomalyProduct?: boolean;
}

interface TaxonomyRow {
  id: string;
  pattern: string;
  weight: number;
  claim: string;
  benignReason?: BenignReason;
  attack?: string[];
  requiresAnomalyProduct?: boolean;
}

const taxonomy = taxonomyData as { rows: TaxonomyRow[]; anomalyProducts: string[] };

export const ALERT_TAXONOMY: readonly TaxonomyEntry[] = taxonomy.rows.map((row) => ({ ...row, pattern: compilePattern(row.pattern) }));

/** Products whose alerts are statistical anomaly reports (lower case, matched as words of the product name). */
export const ANOMALY_PRODUCTS: readonly string[] = taxonomy.anomalyProducts;

export function isAnomalyProduct(product: string | undefined): boolean {
  if (product === undefined) return false;
  const name = ` ${product
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()} `;
  return ANOMALY_PRODUCTS.some((known) => name.includes(` ${known.replace(/[^a-z0-9]+/g, ' ')} `));
}
