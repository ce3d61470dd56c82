import { truncate } from '../truncate.js';

/**
 * Shared knowledge for the host-event enrichers (command-line, registry-file): what a piece of
 * knowledge is, which ATT&CK techniques it shows and how findings from it are combined. The tables
 * are data (`{ id, pattern, techniques, weight, claim }`) in their own files (windows-paths,
 * windows-binaries, registry-rules, command-line-rules), checked by tests against the ATT&CK
 * catalog; the enrichers only walk them. Knowledge is general (ATT&CK, LOLBAS, well-known autostart
 * and defence settings), never keyed to one detection rule or test event.
 */

/** One piece of knowledge: where it matches, which techniques it shows and how much it weighs. */
export interface TechniqueRule {
  /** Stable id, quoted in refs (`knowledge:<id>`) so an analyst can find the rule. */
  readonly id: string;
  readonly pattern: RegExp;
  /** ATT&CK Enterprise ids in the catalog's version (v18.1); successors are added on output. */
  readonly techniques: readonly string[];
  /** Signed natural-log likelihood ratio: + toward malicious. */
  readonly weight: number;
  /** Predicate completing "<subject> …", e.g. 'deletes volume shadow copies'. */
  readonly claim: string;
}

/** Windows command-line switch prefixes: `-`, `/` and the dashes Windows tools also accept. */
const WINDASH = '[-/\u2013\u2014\u2015]';

/** Case-insensitive regex from a raw template; `{-}` stands for any Windows switch prefix. */
export function rx(strings: TemplateStringsArray, ...values: unknown[]): RegExp {
  return new RegExp(String.raw(strings, ...values).replaceAll('{-}', WINDASH), 'i');
}

/**
 * ATT&CK v19 moved Impair Defenses sub-techniques to new ids (T1685 Disable or Modify Tools, T1686
 * Disable or Modify System Firewall…). Detection content already uses them while the bundled
 * catalog is v18.1, so inferred ids carry the successor too when the enricher option asks for it.
 */
export const ATTACK_SUCCESSORS: ReadonlyMap<string, string> = new Map([
  ['T1562.001', 'T1685'],
  ['T1562.002', 'T1685.001'],
  ['T1070.001', 'T1685.005'],
  ['T1562.004', 'T1686.003'],
]);

const PREDECESSORS: ReadonlyMap<string, string> = new Map([...ATTACK_SUCCESSORS].map(([old, renumbered]) => [renumbered, old]));

/**
 * Public sources (Atomic Red Team, recent rule sets) already file some techniques under ATT&CK v19
 * ids (T1685 Disable or Modify Tools…) while the bundled catalogue is v18.1: an id inferred from
 * them names the v18.1 id, and the v19 one too when asked.
 */
export function withRenumbered(id: string, includeSuccessors: boolean): string[] {
  const predecessor = PREDECESSORS.get(id);
  if (predecessor === undefined) return [id];
  return includeSuccessors ? [predecessor, id] : [predecessor];
}

/** Deduplicated technique ids of several rules, with v19 successors when asked. */
export function techniquesOf(rules: readonly { techniques: readonly string[] }[], includeSuccessors: boolean): string[] {
  const ids: string[] = [];
  for (const rule of rules) {
    for (const id of rule.techniques) {
      if (!ids.includes(id)) ids.push(id);
      const successor = includeSuccessors ? ATTACK_SUCCESSORS.get(id) : undefined;
      if (successor !== undefined && !ids.includes(successor)) ids.push(successor);
    }
  }
  return ids;
}

/** `"fragment"` for a claim: control characters made visible, cut to `max` characters. */
export function quote(text: string, max: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${truncate(clean, max)}"`;
}

/** Scales positive weights down so together they stay under `max`: correlated signs of one act. */
export function capPositiveWeights<T extends { weight: number }>(findings: T[], max: number): T[] {
  let total = 0;
  for (const finding of findings) if (finding.weight > 0) total += finding.weight;
  if (total <= max) return findings;
  const factor = max / total;
  for (const finding of findings) if (finding.weight > 0) finding.weight = Math.round(finding.weight * factor * 100) / 100;
  return findings;
}

/**
 * One finding per knowledge rule: several events of one alert (or several processes) that match the
 * same rule describe one act, so only the strongest is kept. Rules are told apart by their
 * `knowledge:<id>` ref.
 */
export function keepStrongestPerRule<T extends { weight: number; refs: string[] }>(findings: T[]): T[] {
  const byRule = new Map<string, number>();
  const kept: T[] = [];
  for (const finding of findings) {
    const rule = finding.refs.find((ref) => ref.startsWith('knowledge:'));
    const at = rule === undefined ? undefined : byRule.get(rule);
    if (rule === undefined || at === undefined) {
      if (rule !== undefined) byRule.set(rule, kept.length);
      kept.push(finding);
    } else if (finding.weight > (kept[at] as T).weight) {
      kept[at] = finding;
    }
  }
  return kept;
}
