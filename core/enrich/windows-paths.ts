import type { TechniqueRule } from './technique-inference.js';

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
 * Folders any user can write to and malware stages in. Weights are for an executable running or
 * landing there; temp and downloads stay low because installers live there too.
 */
export const STAGING_FOLDERS: readonly TechniqueRule[] = [
  { id: 'path-recycle-bin', pattern: /\\\$recycle\.bin\\/, techniques: ['T1564.001'], weight: 1.5, claim: 'lives in the recycle bin, a hidden system folder' },
  { id: 'path-fake-recycler', pattern: /^(?:[a-z]:)?\\(?:recycler|recyclers?\.bin|recycle\.bin|recycled)\\/, techniques: ['T1036.005'], weight: 2, claim: 'lives in a folder named like the recycle bin but outside it' },
  { id: 'path-perflogs', pattern: /^(?:[a-z]:)?\\perflogs\\/, techniques: [], weight: 1.5, claim: 'lives in C:\\PerfLogs, a world-writable folder malware favours' },
  { id: 'path-public', pattern: /\\users\\public\\/, techniques: [], weight: 1.2, claim: 'lives in C:\\Users\\Public, a world-writable staging folder' },
  { id: 'path-windows-odd', pattern: /\\windows\\(?:tasks|tracing|debug|fonts|help|addins|media|repair|security|inf|registration|system32\\tasks|system32\\spool\\drivers\\color|cursors)\\/, techniques: ['T1036.005'], weight: 1.5, claim: 'lives in a Windows sub-folder that should hold no programs' },
  { id: 'path-windows-temp', pattern: /\\windows\\temp\\/, techniques: [], weight: 0.6, claim: 'lives in C:\\Windows\\Temp' },
  { id: 'path-archive-temp', pattern: /\\temp\\(?:temp\d+_|7z[a-z0-9]+|rar\$|wz[a-z0-9]+)[^\\]*\\/, techniques: ['T1204.002'], weight: 1.2, claim: 'runs straight out of an opened archive' },
  { id: 'path-outlook-cache', pattern: /\\content\.outlook\\|\\olk[0-9a-f]+\\/, techniques: ['T1204.002'], weight: 1.5, claim: 'runs from the Outlook attachment cache' },
  { id: 'path-inet-cache', pattern: /\\(?:inetcache|temporary internet files)\\/, techniques: [], weight: 1, claim: 'runs from the browser cache' },
  { id: 'path-user-media', pattern: /\\users\\[^\\]+\\(?:music|videos|pictures|contacts|favorites|links|saved games|searches)\\/, techniques: [], weight: 1, claim: 'lives in a user media folder, odd for a program' },
  { id: 'path-programdata-root', pattern: /\\programdata\\[^\\]+\.(?:exe|dll|scr|ps1|vbs|js|hta|bat|cmd)$/, techniques: [], weight: 0.8, claim: 'lives directly in C:\\ProgramData' },
  { id: 'path-roaming-root', pattern: /\\appdata\\roaming\\[^\\]+\.(?:exe|dll|scr|ps1|vbs|js|hta|bat|cmd)$/, techniques: [], weight: 0.8, claim: 'lives directly in the roaming AppData folder' },
  { id: 'path-drive-root', pattern: /^(?:[a-z]:)?\\[^\\]+\.(?:exe|dll|scr|ps1|vbs|js|hta|bat|cmd|sys)$/, techniques: [], weight: 0.8, claim: 'lives in the root of a drive' },
  { id: 'path-temp', pattern: /\\appdata\\local\\temp\\/, techniques: [], weight: 0.3, claim: 'lives in the user temp folder' },
  { id: 'path-downloads', pattern: /\\users\\[^\\]+\\downloads\\/, techniques: [], weight: 0.3, claim: 'lives in a Downloads folder' },
];

/** First staging-folder rule a lower-case path matches. */
export function stagingFolder(lowerPath: string): TechniqueRule | undefined {
  for (const rule of STAGING_FOLDERS) if (rule.pattern.test(lowerPath)) return rule;
  return undefined;
}
