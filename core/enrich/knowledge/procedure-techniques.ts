/**
 * Command line → ATT&CK technique inference from Atomic Red Team procedures
 * (core/data/knowledge/procedure-techniques.json, built by `npm run knowledge`): a program, switch,
 * cmdlet or system file that public procedures use for mostly one technique points at it.
 */

/** `feature → [procedures using it, technique, procedures of that technique using it, …]`. */
export interface ProcedureModel {
  procedures: number;
  /** Least share of a feature's procedures that must belong to a technique for it to count. */
  minShare: number;
  features: Record<string, Array<string | number>>;
}

export interface ProcedureTechnique {
  id: string;
  /** Share of the public procedures with this feature that carry out this technique. */
  share: number;
  /** How many procedures of the technique use the feature. */
  procedures: number;
  /** The feature that points at the technique (`arg:certutil urlcache`). */
  feature: string;
}

/** Techniques the features point at, most specific and best attested first (at most `limit`). */
export function inferProcedureTechniques(model: ProcedureModel, features: readonly string[], limit = 3): ProcedureTechnique[] {
  const best = new Map<string, ProcedureTechnique & { strength: number }>();
  for (const feature of features) {
    const row = model.features[feature];
    if (row === undefined) continue;
    const documents = row[0] as number;
    for (let index = 1; index + 1 < row.length; index += 2) {
      const id = row[index] as string;
      const count = row[index + 1] as number;
      const share = count / documents;
      if (share < model.minShare) continue;
      const strength = share * Math.log(1 + count);
      const current = best.get(id);
      if (current === undefined || strength > current.strength) best.set(id, { id, share: Math.round(share * 100) / 100, procedures: count, feature, strength });
    }
  }
  return [...best.values()]
    .sort((left, right) => right.strength - left.strength || left.id.localeCompare(right.id))
    .slice(0, limit)
    .map(({ strength: _strength, ...technique }) => technique);
}
