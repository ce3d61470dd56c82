import programData from '../../data/knowledge/windows-programs.json' with { type: 'json' };
import { techniqueRule, type TechniqueRow } from './knowledge-rows.js';
import type { TechniqueRule } from './technique-inference.js';

/** Windows programs and places, read from core/data/knowledge/windows-programs.json (`npm run knowledge`). */
interface ProgramData {
  systemBinaries: Record<string, boolean>;
  hijackableModules: string[];
  knownTools: TechniqueRow[];
  stagingFolders: TechniqueRow[];
}
export const WINDOWS_PROGRAMS = programData as ProgramData;

/**
 * Windows binaries that belong in System32 (or the Windows folder). One running or written
 * anywhere else is a copy posing as the real thing (T1036.005). `true` = a core process whose
 * name malware borrows most.
 */
export const SYSTEM_BINARIES: ReadonlyMap<string, boolean> = new Map(Object.entries(WINDOWS_PROGRAMS.systemBinaries));

/**
 * DLL and Control Panel module names of System32 that programs load by name and attackers plant
 * next to a program to have it loaded (search-order hijacking, side-loading, phantom DLLs).
 */
export const HIJACKABLE_MODULES: ReadonlySet<string> = new Set(WINDOWS_PROGRAMS.hijackableModules);

/**
 * Tools with a well-known purpose, recognised by file name or install folder (matched against a
 * lower-case path or bare name). Techniques follow the tool's ATT&CK software entry where it has one.
 */
export const KNOWN_TOOLS: readonly TechniqueRule[] = WINDOWS_PROGRAMS.knownTools.map(techniqueRule);

/** First known-tool rule a lower-case path or bare name matches. */
export function knownTool(lowerPathOrName: string): TechniqueRule | undefined {
  if (lowerPathOrName.length === 0) return undefined;
  for (const rule of KNOWN_TOOLS) if (rule.pattern.test(lowerPathOrName)) return rule;
  return undefined;
}
