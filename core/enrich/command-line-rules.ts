import type { CommandRule, ParentChildRule } from './command-rule.js';
import { DISCOVERY_RULES } from './command-rules-discovery.js';
import { LOLBAS_RULES } from './command-rules-lolbas.js';
import { SCRIPTING_RULES } from './command-rules-scripting.js';
import { SYSTEM_RULES } from './command-rules-system.js';

/**
 * Command-line knowledge: LOLBAS, ATT&CK procedure examples, well-known attack tooling. Patterns run
 * case-insensitively on the de-obfuscated command line (carets, in-word quotes and backticks removed).
 */
export const COMMAND_RULES: readonly CommandRule[] = [...SCRIPTING_RULES, ...DISCOVERY_RULES, ...SYSTEM_RULES, ...LOLBAS_RULES];

/** Parent processes that should not start shells, script hosts or download tools. */
const SHELLS = String.raw`cmd|powershell|pwsh|wscript|cscript|mshta|rundll32|regsvr32|certutil|bitsadmin|msbuild|schtasks|wmic|curl|hh|msiexec|forfiles|scrcons|cmstp|installutil|regasm|regsvcs|msdt|bash|wsl|sc|reg|net1?|whoami|systeminfo|nltest|control|conhost|finger|mavinject`;
const shellChild = new RegExp(`^(?:${SHELLS})\\.(?:exe|com)$`);

export const PARENT_CHILD_RULES: readonly ParentChildRule[] = [
  { id: 'parent-equation-editor', parent: /^(?:eqnedt32|eqedt32)\.exe$/, child: /./, techniques: ['T1203'], weight: 3, claim: 'was started by the Office Equation Editor, a classic exploit target' },
  { id: 'parent-office', parent: /^(?:winword|excel|powerpnt|outlook|msaccess|mspub|onenote|onenotem|visio|winproj|wordpad|fltldr|msohtmed)\.exe$/, child: shellChild, techniques: ['T1204.002'], weight: 2.5, claim: 'was started by an Office program, the pattern of a malicious document' },
  { id: 'parent-pdf-reader', parent: /^(?:acrord32|acrobat|foxitreader|foxitpdfreader|foxitphantompdf|sumatrapdf|nitropdf|pdfxedit)\.exe$/, child: shellChild, techniques: ['T1204.002', 'T1203'], weight: 2, claim: 'was started by a PDF reader' },
  { id: 'parent-browser', parent: /^(?:chrome|msedge|firefox|iexplore|brave|opera|vivaldi)\.exe$/, child: /^(?:cmd|powershell|pwsh|wscript|cscript|mshta|rundll32|regsvr32|certutil|bitsadmin|msbuild|schtasks|wmic|hh|cmstp|installutil|msdt)\.exe$/, techniques: ['T1203', 'T1189'], weight: 1.8, claim: 'was started by a web browser' },
  { id: 'parent-script-host', parent: /^(?:wscript|cscript)\.exe$/, child: /^(?:powershell|pwsh|cmd|rundll32|regsvr32|certutil|bitsadmin|curl|schtasks|msiexec|mshta|wmic)\.exe$/, techniques: ['T1059.005'], weight: 1.5, claim: 'was started by a Windows Script Host script' },
  { id: 'parent-mshta', parent: /^mshta\.exe$/, child: /./, techniques: ['T1218.005'], weight: 1.5, claim: 'was started by mshta, an HTML application host' },
  { id: 'parent-wmi', parent: /^wmiprvse\.exe$/, child: /^(?:powershell|pwsh|cmd|mshta|rundll32|regsvr32|cscript|wscript|msiexec|certutil|bitsadmin|scrcons)\.exe$/, techniques: ['T1047'], weight: 1.5, claim: 'was started through WMI' },
  { id: 'parent-web-server', parent: /^(?:w3wp|httpd|nginx|tomcat\d*|php-cgi|php|umworkerprocess|beasvc|coldfusion|jrun)\.exe$/, child: /^(?:cmd|powershell|pwsh|whoami|net1?|systeminfo|ipconfig|hostname|nltest|certutil|bitsadmin|curl|wmic|rundll32|regsvr32|mshta|cscript|wscript|tasklist|quser|query)\.exe$/, techniques: ['T1505.003', 'T1190'], weight: 2.5, claim: 'was started by a web server process (web shell)' },
  { id: 'parent-sql-server', parent: /^sqlservr\.exe$/, child: /^(?:cmd|powershell|pwsh|certutil|bitsadmin|curl|whoami)\.exe$/, techniques: ['T1505.001'], weight: 2.5, claim: 'was started by SQL Server (xp_cmdshell)' },
  { id: 'parent-spooler', parent: /^spoolsv\.exe$/, child: /^(?:cmd|powershell|pwsh|rundll32|regsvr32|mshta|conhost)\.exe$/, techniques: ['T1068'], weight: 2.5, claim: 'was started by the print spooler (exploitation)' },
  { id: 'parent-accessibility', parent: /^(?:utilman|sethc|osk|magnify|narrator|displayswitch|atbroker)\.exe$/, child: /^(?:cmd|powershell|pwsh|explorer|taskmgr)\.exe$/, techniques: ['T1546.008'], weight: 3, claim: 'was started by an accessibility program (logon-screen backdoor)' },
  { id: 'parent-remote-tool', parent: /^(?:anydesk|teamviewer|screenconnect\.clientservice|screenconnect\.windowsclient|atera\w*|splashtop\w*|rutserv|client32|rustdesk)\.exe$/, child: /^(?:cmd|powershell|pwsh|wscript|cscript|mshta|rundll32)\.exe$/, techniques: ['T1219.002'], weight: 1, claim: 'was started through remote desktop software' },
  { id: 'parent-uac-bypass-host', parent: /^(?:fodhelper|computerdefaults|sdclt|eventvwr|slui|wsreset|changepk|cmstp|mmc)\.exe$/, child: /^(?:cmd|powershell|pwsh|wscript|cscript|mshta|rundll32|regsvr32|conhost)\.exe$/, techniques: ['T1548.002'], weight: 2.5, claim: 'was started by an auto-elevating Windows program (UAC bypass)' },
  { id: 'parent-services-odd-binary', parent: /^services\.exe$/, child: /^(?:cmd|powershell|pwsh|mshta|rundll32|regsvr32|wscript|cscript)\.exe$/, techniques: ['T1569.002', 'T1543.003'], weight: 1.5, claim: 'was started directly as a service' },
  { id: 'parent-explorer-script', parent: /^explorer\.exe$/, child: /^(?:wscript|cscript|mshta|hh)\.exe$/, techniques: ['T1204.002'], weight: 0.6, claim: 'was opened by the user from Explorer' },
  { id: 'parent-rundll32-shell', parent: /^(?:rundll32|regsvr32)\.exe$/, child: /^(?:cmd|powershell|pwsh|whoami|net1?|nltest|ipconfig|systeminfo)\.exe$/, techniques: ['T1218.011'], weight: 1.5, claim: 'was started from code loaded by rundll32 or regsvr32' },
];

/** Accepted image names for OriginalFileName values whose on-disk name legitimately differs. */
export const ORIGINAL_NAME_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
  ['psexec.c', ['psexec', 'psexec64']],
  ['pwsh.dll', ['pwsh']],
  ['sysinfo.exe', ['systeminfo']],
  ['nltestrk.exe', ['nltest']],
  ['gprslt.exe', ['gpresult']],
  ['drvqry.exe', ['driverquery']],
  ['utilman2.exe', ['utilman']],
  ['mavinject32.exe', ['mavinject']],
  ['powershell_ise.exe', ['powershell_ise']],
  ['cmd.exe', ['cmd']],
]);

/** Process images that are routine when nothing else stands out (tiny benign evidence). */
export const ROUTINE_PROCESSES: readonly { readonly image: RegExp; readonly commandLine: RegExp; readonly claim: string }[] = [
  { image: /\\windows\\system32\\svchost\.exe$/, commandLine: /^"?(?:c:\\windows\\system32\\)?svchost\.exe"?\s+-k\s+[a-z]+(?:\s+-p)?(?:\s+-s\s+\w+)?\s*$/i, claim: 'is a Windows service host started the standard way' },
  { image: /\\windows\\system32\\(?:wbem\\wmiprvse|dllhost|taskhostw|backgroundtaskhost|runtimebroker|sihost|ctfmon|searchprotocolhost|searchfilterhost|audiodg|fontdrvhost|smartscreen|wermgr|compattelrunner|sppsvc|musnotification|usoclient)\.exe$/, commandLine: /^[^&|<>^`]*$/, claim: 'is a Windows system process in its normal place with ordinary arguments' },
  { image: /\\windows\\system32\\conhost\.exe$/, commandLine: /^"?(?:\\\?\?\\)?(?:c:\\windows\\system32\\)?conhost\.exe"?(?:\s+0x[0-9a-f]+)?(?:\s+-forcev1)?\s*$/i, claim: 'is a console host attached to a console program' },
];

/** Suffixes of per-architecture builds of one tool (procdump64, psexec64, adfind32…). */
export const ARCHITECTURE_SUFFIXES = new Set(['64', '64a', '32', 'x64', 'x86', '_x64', '-x64', '_x86']);

/** Discovery programs; several in one command line form a reconnaissance chain. */
export const RECON_PROGRAMS = new Set(['whoami', 'hostname', 'systeminfo', 'ipconfig', 'netstat', 'arp', 'route', 'nltest', 'quser', 'qwinsta', 'tasklist', 'net', 'net1', 'nslookup', 'dsquery', 'gpresult', 'wmic', 'klist', 'setspn', 'cmdkey', 'driverquery', 'ver', 'set']);
