import procedureData from '../../data/knowledge/procedure-techniques.json' with { type: 'json' };
import { lookupTechnique } from '../attack-catalog.js';
import { withRenumbered } from './technique-inference.js';
import type { Finding } from '../enricher.js';
import { inferProcedureTechniques, type ProcedureModel } from './procedure-techniques.js';

export const PROCEDURE_MODEL = procedureData as ProcedureModel;

/**
 * Technique findings from public attack procedures (Atomic Red Team): one per technique, weight 0.
 * They name what the event resembles; they do not move the verdict, because a procedure's
 * set-up steps (whoami, reg query) are also what administrators run.
 */
export function procedureFindings(kind: string, subject: string, features: readonly string[], ref: string, includeSuccessors: boolean, model: ProcedureModel = PROCEDURE_MODEL): Finding[] {
  return inferProcedureTechniques(model, features).map((technique) => ({
    kind,
    claim:
      `${subject} matches ${technique.procedures} public attack procedure${technique.procedures === 1 ? '' : 's'} (Atomic Red Team) for ${technique.id} ${lookupTechnique(technique.id)?.name ?? ''}`.trimEnd() +
      ` through ${describe(technique.feature)}.`,
    weight: 0,
    refs: [ref, `knowledge:procedure:${technique.id}`],
    attack: withRenumbered(technique.id, includeSuccessors),
  }));
}

function describe(feature: string): string {
  const at = feature.indexOf(':');
  const kind = feature.slice(0, at);
  const value = feature.slice(at + 1);
  switch (kind) {
    case 'prog':
      return `the program "${value}"`;
    case 'arg':
      return `"${value}"`;
    case 'cmdlet':
      return `the cmdlet ${value}`;
    case 'ref':
      return `the file name ${value}`;
    default:
      return `the location "${value}"`;
  }
}
