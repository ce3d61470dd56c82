import commandData from '../../data/knowledge/command-rules.json' with { type: 'json' };
import processData from '../../data/knowledge/process-rules.json' with { type: 'json' };
import type { CommandRule, ParentChildRule } from './command-rule.js';
import { compilePattern, type TechniqueRow } from '../knowledge/knowledge-rows.js';

/**
 * Command-line and process knowledge, read from the data files `npm run knowledge` builds from
 * scripts/knowledge/sources/ (provenance and licence inside each file). Command patterns run
 * case-insensitively on the de-obfuscated command line (carets, in-word quotes and backticks removed).
 */
interface CommandRow extends TechniqueRow {
  bins?: string[];
  fallback?: boolean;
}
interface ProcessData {
  parentChild: Array<Omit<TechniqueRow, 'pattern' | 'flags'> & { parent: string; child: string }>;
  routine: Array<{ image: string; commandLine: string; commandLineFlags?: string; claim: string }>;
  originalNameAliases: Record<string, string[]>;
  architectureSuffixes: string[];
  reconPrograms: string[];
}
const processes = processData as ProcessData;

export const COMMAND_RULES: readonly CommandRule[] = (commandData.rules as CommandRow[]).map((row) => ({
  id: row.id,
  pattern: compilePattern(row.pattern, row.flags),
  ...(row.bins ? { bins: row.bins } : {}),
  ...(row.fallback ? { isFallback: true } : {}),
  techniques: row.techniques,
  weight: row.weight,
  claim: row.claim,
}));

/** Parent processes that should not start shells, script hosts or download tools. */
export const PARENT_CHILD_RULES: readonly ParentChildRule[] = processes.parentChild.map((row) => ({
  id: row.id,
  parent: compilePattern(row.parent),
  child: compilePattern(row.child),
  techniques: row.techniques,
  weight: row.weight,
  claim: row.claim,
}));

/** Accepted image names for OriginalFileName values whose on-disk name legitimately differs. */
export const ORIGINAL_NAME_ALIASES: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(processes.originalNameAliases));

/** Process images that are routine when nothing else stands out (tiny benign evidence). */
export const ROUTINE_PROCESSES: readonly { readonly image: RegExp; readonly commandLine: RegExp; readonly claim: string }[] = processes.routine.map((row) => ({
  image: compilePattern(row.image),
  commandLine: compilePattern(row.commandLine, row.commandLineFlags),
  claim: row.claim,
}));

/** Suffixes of per-architecture builds of one tool (procdump64, psexec64, adfind32…). */
export const ARCHITECTURE_SUFFIXES: ReadonlySet<string> = new Set(processes.architectureSuffixes);

/** Discovery programs; several in one command line form a reconnaissance chain. */
export const RECON_PROGRAMS: ReadonlySet<string> = new Set(processes.reconPrograms);
