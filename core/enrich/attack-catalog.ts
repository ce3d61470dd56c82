import techniquesData from '../data/attack/enterprise-techniques.json' with { type: 'json' };
import tacticsData from '../data/attack/tactics.json' with { type: 'json' };

/** MITRE ATT&CK Enterprise v18.1 (see core/data/attack/README.md for the terms of use). */
export interface Technique {
  id: string;
  name: string;
  tactics: string[];
  parent: string | null;
  deprecated: boolean;
  revoked: boolean;
}

export interface Tactic {
  id: string;
  shortname: string;
  name: string;
}

const techniques = new Map<string, Technique>();
for (const technique of techniquesData as Technique[]) techniques.set(technique.id, technique);
const tactics = tacticsData as Tactic[];
const tacticOrder = new Map(tactics.map((tactic, index) => [tactic.shortname, index]));

export function lookupTechnique(id: string): Technique | undefined {
  return techniques.get(id.toUpperCase());
}

/** Tactics of a technique, falling back to its parent's when a sub-technique lists none. */
export function tacticsOf(id: string): string[] {
  const technique = lookupTechnique(id);
  if (!technique) return [];
  if (technique.tactics.length > 0 || !technique.parent) return technique.tactics;
  return lookupTechnique(technique.parent)?.tactics ?? [];
}

/** Kill-chain position of a tactic shortname (0 = reconnaissance … 13 = impact); -1 if unknown. */
export function tacticRank(shortname: string): number {
  return tacticOrder.get(shortname) ?? -1;
}

export function tacticName(shortname: string): string {
  return tactics.find((tactic) => tactic.shortname === shortname)?.name ?? shortname;
}

export function allTactics(): readonly Tactic[] {
  return tactics;
}
