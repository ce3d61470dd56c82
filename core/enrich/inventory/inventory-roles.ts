import { z } from 'zod';
import { AttackIdSchema, type Alert } from '../../spec/alert.js';
import { lookupTechnique, tacticsOf } from '../attack-catalog.js';

/** Which alerts an asset role explains: by rule technique (or its sub-techniques), tactic, or rule-name word. */
export const RoleExplanationSchema = z.strictObject({
  techniques: z.array(AttackIdSchema).default([]),
  tactics: z.array(z.string().min(1)).default([]),
  keywords: z.array(z.string().min(1)).default([]),
});
export type RoleExplanation = z.infer<typeof RoleExplanationSchema>;

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
export const DEFAULT_ROLE_EXPLANATIONS: Record<string, RoleExplanation> = {
  'vulnerability-scanner': SCANNER,
  'vuln-scanner': SCANNER,
  scanner: SCANNER,
  'admin-jump-host': JUMP_HOST,
  'jump-host': JUMP_HOST,
  bastion: JUMP_HOST,
  'software-deployment': SOFTWARE_DEPLOYMENT,
};

export interface CompiledExplanation {
  techniques: string[];
  tactics: Set<string>;
  keywords: RegExp | undefined;
}

export function compileExplanation(explanation: RoleExplanation): CompiledExplanation {
  const escaped = explanation.keywords.map((keyword) => keyword.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return {
    techniques: explanation.techniques.map((id) => id.toUpperCase()),
    tactics: new Set(explanation.tactics.map((tactic) => tactic.toLowerCase())),
    keywords: escaped.length > 0 ? new RegExp(`\\b(?:${escaped.join('|')})`, 'i') : undefined,
  };
}

/** Why the role explains the alert ("technique T1046 Network Service Discovery"), or undefined. */
export function explain(explanation: CompiledExplanation, alert: Alert): string | undefined {
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
