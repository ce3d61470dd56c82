import { techniqueRule } from './knowledge-rows.js';
import type { TechniqueRule } from './technique-inference.js';
import { WINDOWS_PROGRAMS } from './windows-binaries.js';

/** Lower-case path with forward slashes turned into backslashes. */
export function normalizePath(path: string): string {
  return path.toLowerCase().replaceAll('/', '\\');
}

/** Lower-case last path component (`C:\Windows\System32\cmd.exe` → `cmd.exe`). */
export function fileName(path: string): string {
  const clean = normalizePath(path.trim().replace(/^["']+|["']+$/g, ''));
  return clean.slice(clean.lastIndexOf('\\') + 1);
}

/** File name without the executable extension (`cmd.exe` → `cmd`, `nltest` → `nltest`). */
export function stem(name: string): string {
  return name.replace(/\.(?:exe|com|dll|cpl|bat|cmd|mui)$/i, '').replace(/\.(?:exe|com)$/i, '');
}

/** Windows system folders: a Windows binary living here is where it belongs. */
const SYSTEM_LOCATION =
  /(?:^|\\)windows\\(?:system32|syswow64|sysnative|winsxs|servicing|softwaredistribution|\$winreagent|immersivecontrolpanel|systemapps|microsoft\.net|assembly|uus|ccm|installer)\\|(?:^|\\)windows\\[^\\]+$|\\program files(?: \(x86\))?\\(?:windows defender|windows defender advanced threat protection|internet explorer|windows nt|windows mail|windows media player|common files\\microsoft shared)\\|\\programdata\\microsoft\\windows defender\\platform\\/;

export function isSystemLocation(lowerPath: string): boolean {
  return SYSTEM_LOCATION.test(lowerPath);
}

/**
 * Folders any user can write to and malware stages in (core/data/knowledge/windows-programs.json).
 * Weights are for an executable running or landing there; temp and downloads stay low because
 * installers live there too.
 */
export const STAGING_FOLDERS: readonly TechniqueRule[] = WINDOWS_PROGRAMS.stagingFolders.map(techniqueRule);

/** First staging-folder rule a lower-case path matches. */
export function stagingFolder(lowerPath: string): TechniqueRule | undefined {
  for (const rule of STAGING_FOLDERS) if (rule.pattern.test(lowerPath)) return rule;
  return undefined;
}
