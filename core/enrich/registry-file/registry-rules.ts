import registryKnowledge from '../../data/knowledge/registry-rules.json' with { type: 'json' };
import { compilePattern, techniqueRule, type TechniqueRow } from '../knowledge/knowledge-rows.js';
import type { TechniqueRule } from '../knowledge/technique-inference.js';

/** Knowledge about a registry change: the key path pattern, and optionally the data and kind of change. */
export interface RegistryRule extends TechniqueRule {
  /** Condition on the value data (DWORDs read as decimal text); absent = any data. */
  readonly data?: RegExp;
  /** The change the rule is about; default `set` (SetValue, CreateKey, RenameKey). */
  readonly change?: 'set' | 'delete';
}

/**
 * Registry key paths in one canonical form: `HKLM\…`, `HKCU\…` (any user hive, `_Classes` under
 * `HKCU\Software\Classes`), `CurrentControlSet` for numbered control sets, no `Wow6432Node`.
 */
export function normalizeRegistryKey(key: string): string {
  return key
    .trim()
    .replace(/^["']|["']$/g, '')
    .replace(/^(?:microsoft\.powershell\.core\\)?registry::/i, '')
    .replace(/^(?:\\registry\\machine|hkey_local_machine|hklm:?)(?=\\|$)/i, 'HKLM')
    .replace(/^(?:hkey_classes_root|hkcr:?)(?=\\|$)/i, 'HKLM\\Software\\Classes')
    .replace(/^(?:\\registry\\user|hkey_users|hku:?)\\[^\\]+_classes(?=\\|$)/i, 'HKCU\\Software\\Classes')
    .replace(/^(?:\\registry\\user|hkey_users|hku:?)\\[^\\]+(?=\\|$)/i, 'HKCU')
    .replace(/^(?:hkey_current_user|hkcu:?)(?=\\|$)/i, 'HKCU')
    .replace(/\\controlset\d{3}\\/i, '\\CurrentControlSet\\')
    .replace(/\\wow6432node\\/i, '\\');
}

/** Registry value data as rules read it: DWORD/QWORD as decimal text, quotes stripped. */
export function registryData(details: string | undefined): string {
  if (details === undefined) return '';
  const text = details.trim();
  const word = /^(?:dword|qword)\s*\((0x[0-9a-f]+)(?:-(0x[0-9a-f]+))?\)/i.exec(text);
  if (word?.[1] !== undefined) {
    const value = word[2] !== undefined ? Number.parseInt(word[1], 16) * 2 ** 32 + Number.parseInt(word[2], 16) : Number.parseInt(word[1], 16);
    return String(value);
  }
  if (/^0x[0-9a-f]{1,16}$/i.test(text)) return String(Number.parseInt(text, 16));
  return text.replace(/^"(.*)"$/s, '$1');
}

interface RegistryRow extends TechniqueRow {
  data?: string;
  dataFlags?: string;
  change?: 'set' | 'delete';
}

/**
 * Registry autostart, privilege-escalation and defence-impairment locations, read from
 * core/data/knowledge/registry-rules.json (`npm run knowledge`). Patterns match the normalized key
 * path including the value name (`…\Run\Updater`); `data` reads the value data.
 */
export const REGISTRY_RULES: readonly RegistryRule[] = (registryKnowledge.rules as RegistryRow[]).map((row) => ({
  ...techniqueRule(row),
  ...(row.data !== undefined ? { data: compilePattern(row.data, row.dataFlags) } : {}),
  ...(row.change ? { change: row.change } : {}),
}));

/** Value-data signs that make a persistence entry worse: what it starts and from where. */
export const VALUE_DATA_RULES: readonly TechniqueRule[] = (registryKnowledge.valueData as TechniqueRow[]).map(techniqueRule);

/** Registry rules that match a normalized key path, value data and kind of change. */
export function matchRegistry(key: string, data: string, change: 'set' | 'delete'): RegistryRule[] {
  const matches: RegistryRule[] = [];
  for (const rule of REGISTRY_RULES) {
    if ((rule.change ?? 'set') !== change) continue;
    if (!rule.pattern.test(key)) continue;
    if (rule.data !== undefined && !rule.data.test(data)) continue;
    matches.push(rule);
  }
  return matches;
}
