import type { TechniqueRule } from './technique-inference.js';

/**
 * Rows of the knowledge files (core/data/knowledge/*.json) as the generator writes them: regular
 * expressions as source text plus flags. The generator has compiled and checked every row, so
 * this only turns text into RegExp objects.
 */
export interface TechniqueRow {
  id: string;
  pattern: string;
  flags?: string;
  techniques: string[];
  weight: number;
  claim: string;
}

export function compilePattern(source: string, flags?: string): RegExp {
  return new RegExp(source, flags ?? '');
}

export function techniqueRule(row: TechniqueRow): TechniqueRule {
  return { id: row.id, pattern: compilePattern(row.pattern, row.flags), techniques: row.techniques, weight: row.weight, claim: row.claim };
}
