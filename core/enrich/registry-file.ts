import { z } from 'zod';
import type { Alert, Entity } from '../spec/alert.js';
import type { EnricherV1, Finding } from './enricher.js';
import { parseEnricherOptions } from './enricher-options.js';
import { matchRegistry, normalizeRegistryKey, registryData } from './registry-rules.js';
import { capPositiveWeights, keepStrongestPerRule, quote, techniquesOf, type TechniqueRule } from './technique-inference.js';
import { HIJACKABLE_MODULES, knownTool, SYSTEM_BINARIES } from './windows-binaries.js';
import { fileName, isSystemLocation, normalizePath, stagingFolder, stem } from './windows-paths.js';

export const RegistryFileOptionsSchema = z.strictObject({
  /** Longest fragment quoted in a claim. */
  maxQuoteLength: z.number().int().min(16).max(1000).default(100),
  /** Cap on the summed positive weight of one registry value, file or module: one act. */
  maxTotalWeight: z.number().positive().max(20).default(4.5),
  /** Also emit the ATT&CK v19 ids of renumbered Impair Defenses techniques (T1685, T1686…). */
  includeSuccessorIds: z.boolean().default(true),
});
export type RegistryFileOptions = z.infer<typeof RegistryFileOptionsSchema>;
export type RegistryFileOptionsInput = z.input<typeof RegistryFileOptionsSchema>;

/** Knowledge about a written file (pattern on the lower-case path) or a loaded module. */
export interface PathRule extends TechniqueRule {
  /** Only when the writing or loading process file name matches. */
  readonly actor?: RegExp;
  /** Not when the writing or loading process file name matches (installers, the OS itself). */
  readonly exceptActor?: RegExp;
}

/** Extensions of files that run code when opened or loaded. */
const EXECUTABLE_SOURCE = String.raw`\.(?:exe|dll|scr|cpl|sys|ocx|com|pif|msi|ps1|psm1|vbs|vbe|js|jse|wsf|wsh|hta|bat|cmd|sct|jar|chm|xll|msc|lnk|iso|img|vhdx?)$`;
const EXECUTABLE = new RegExp(EXECUTABLE_SOURCE);
const OFFICE = /^(?:winword|excel|powerpnt|outlook|msaccess|mspub|onenote|visio|eqnedt32)\.exe$/;
/** Writers that legitimately put programs and system files in place. */
const INSTALLERS = /^(?:msiexec|trustedinstaller|tiworker|svchost|system|setup\w*|install\w*|dismhost|drvinst|wuauclt|musnotification|mpsigstub|msmpeng|onedrivesetup|ccmexec|usocoreworker)\.exe$|^system$/;
/** Signed Windows utilities that can download or unpack files (LOLBAS "download" and "copy"). */
const PROXY_WRITERS = /^(?:certutil|esentutl|bitsadmin|mshta|rundll32|regsvr32|wmic|hh|expand|extrac32|finger|desktopimgdownldr|mpcmdrun|certreq|replace|cmstp|installutil|msbuild|regasm|regsvcs|wscript|cscript|msdt|ieexec|presentationhost|odbcconf|forfiles|pcalua|makecab)\.exe$/;
const WEB_SERVERS = /^(?:w3wp|httpd|nginx|tomcat\d*|php-cgi|php|java|javaw|umworkerprocess|node|beasvc|coldfusion|cmd|powershell|pwsh)\.exe$/;

/** Written-file knowledge: autostart folders, credential dumps, web shells, masquerading names. */
export const FILE_RULES: readonly PathRule[] = [
  { id: 'file-startup-folder', pattern: /\\start menu\\programs\\startup\\(?!desktop\.ini$)[^\\]+$/, techniques: ['T1547.001'], weight: 2, claim: 'lands in a Startup folder, so it runs at every logon' },
  { id: 'file-office-drop', pattern: EXECUTABLE, actor: OFFICE, techniques: ['T1204.002', 'T1105'], weight: 2.5, claim: 'is an executable or script written by an Office program' },
  { id: 'file-proxy-drop', pattern: EXECUTABLE, actor: PROXY_WRITERS, techniques: ['T1105', 'T1218'], weight: 2, claim: 'is an executable or script written by a signed Windows utility used as a downloader' },
  { id: 'file-lsass-dump', pattern: /\\[^\\]*lsass[^\\]*\.(?:dmp|mdmp|hdmp|zip|bin|txt|out|log|raw)$/, techniques: ['T1003.001'], weight: 3, claim: 'is a memory dump of LSASS, which holds logon credentials' },
  { id: 'file-memory-dump', pattern: /\.(?:dmp|hdmp|mdmp)$/, exceptActor: /^(?:werfault|wermgr|werfaultsecure|svchost|msmpeng|taskmgr|procdump\w*|dumpstack|vmmem|smss|wininit|csrss|lsass|dwwin|drwtsn32)\.exe$/, techniques: ['T1003'], weight: 1, claim: 'is a memory dump written by a program that is not the crash reporter' },
  { id: 'file-ntds-copy', pattern: /(?:^|\\)ntds\.dit$/, exceptActor: /^(?:lsass|ntdsutil|dcpromo|svchost|wbengine)\.exe$/, techniques: ['T1003.003'], weight: 3, claim: 'is a copy of the Active Directory database' },
  { id: 'file-hive-copy', pattern: /\\(?:sam|system|security)(?:\.(?:save|hive|hiv|bak|sav|dmp|reg|backup))$|\\(?:users\\public|temp|perflogs|programdata)\\(?:sam|system|security)$/, techniques: ['T1003.002', 'T1003.004'], weight: 2.5, claim: 'is a saved copy of a credential registry hive' },
  { id: 'file-kerberos-ticket', pattern: /\.(?:kirbi|ccache)$/, techniques: ['T1558', 'T1550.003'], weight: 3, claim: 'is an exported Kerberos ticket' },
  { id: 'file-ssp-log', pattern: /\\(?:mimilsa|kiwissp|mimispool)\.log$/, techniques: ['T1547.005', 'T1003.001'], weight: 3, claim: 'is the password log of a malicious security support provider' },
  { id: 'file-web-shell', pattern: /\\(?:inetpub|wwwroot|aspnet_client|frontend\\httpproxy\\(?:owa|ecp)|owa\\auth|ecp\\auth)\\(?:[^\\]+\\)*[^\\]+\.(?:aspx?|ashx|asmx|asax|cshtml|php\d?|phtml|jspx?|cfm|war)$/, exceptActor: INSTALLERS, techniques: ['T1505.003'], weight: 2, claim: 'is a server script written into an IIS or Exchange web root (possible web shell)' },
  { id: 'file-web-root-script', pattern: /\\(?:htdocs|www|webapps|public_html)\\(?:[^\\]+\\)*[^\\]+\.(?:aspx?|ashx|php\d?|phtml|jspx?|cfm|war)$/, exceptActor: INSTALLERS, techniques: ['T1505.003'], weight: 1, claim: 'is a server script written into a web server folder (possible web shell)' },
  { id: 'file-web-shell-writer', pattern: /\.(?:aspx?|ashx|asmx|php\d?|phtml|jspx?|cfm)$/, actor: WEB_SERVERS, techniques: ['T1505.003'], weight: 1, claim: 'is a server script written by a web server or shell process' },
  { id: 'file-rtlo', pattern: /\u202e/, techniques: ['T1036.002'], weight: 3, claim: 'hides its real extension with a right-to-left override character' },
  { id: 'file-double-extension', pattern: /\.(?:docx?|xlsx?|pptx?|pdf|txt|rtf|jpe?g|png|gif|zip|rar|mp[34]|csv|html?)\s*\.(?:exe|scr|com|pif|lnk|js|jse|vbs|vbe|hta|bat|cmd|ps1|msi|iso|img|url|wsf)$/, techniques: ['T1036.007'], weight: 2.5, claim: 'has a document extension in front of its real one' },
  { id: 'file-disk-image', pattern: /\\(?:downloads|temp|content\.outlook|inetcache)\\(?:[^\\]+\\)*[^\\]+\.(?:iso|img|vhdx?)$/, techniques: ['T1553.005'], weight: 0.8, claim: 'is a disk image that bypasses Mark-of-the-Web' },
  { id: 'file-hta', pattern: /\.hta$/, exceptActor: INSTALLERS, techniques: ['T1218.005'], weight: 0.8, claim: 'is an HTML application file' },
  { id: 'file-phantom-dll', pattern: /\\(?:wlbsctrl|tsmsisrv|tsvipsrv|wow64log|cdpsgshims|wptsextensions|ualapi|edgegdi|windowscoredeviceinfo|phoneinfo|diagtrack_win|oci|tpgenlic|fveskybackup|wbemcomn)\.dll$/, exceptActor: INSTALLERS, techniques: ['T1574.001'], weight: 3, claim: 'is a DLL that Windows services try to load but Windows does not ship (phantom DLL hijack)' },
  { id: 'file-vulnerable-driver', pattern: /\\(?:rtcore(?:32|64)|dbutil_2_3|gdrv|aswarpot|mhyprot2?|procexp1\d\d|kprocesshacker|zamguard(?:32|64)|zam(?:32|64)|iqvw(?:32|64)e?|winring0x?64|gmer64|cpuz1\d\d_x64|asio64|ene|hw64|truesight|probmon|viragt64|rwdrv|ksapi64|nalrdrv|physmem|speedfan|atillk64|capcom)\.sys$/, techniques: ['T1068', 'T1562.001'], weight: 2.5, claim: 'is a known vulnerable driver used to kill security software (BYOVD)' },
  { id: 'file-shim-db', pattern: /\\apppatch\\(?:custom|customsdb)\\[^\\]*$/, exceptActor: /^(?:tiworker|trustedinstaller)\.exe$/, techniques: ['T1546.011'], weight: 2.5, claim: 'is a custom application compatibility shim database' },
  { id: 'file-evtx-outside-logs', pattern: /^(?!.*\\winevt\\logs\\).*\.evtx$/, exceptActor: /^(?:wevtutil|mmc|eventvwr)\.exe$/, techniques: ['T1562.002'], weight: 0.8, claim: 'is an event log file outside the event log folder (moved or exported log)' },
  { id: 'file-scheduled-task', pattern: /\\windows\\(?:system32|syswow64)\\tasks\\/, exceptActor: /^(?:svchost|taskeng|taskhostw|tiworker|trustedinstaller|msiexec)\.exe$/, techniques: ['T1053.005'], weight: 1.5, claim: 'is a scheduled task definition written directly to the task folder' },
  { id: 'file-at-job', pattern: /\\windows\\tasks\\[^\\]+\.job$/, techniques: ['T1053.002', 'T1053.005'], weight: 1, claim: 'is a legacy scheduled job' },
  { id: 'file-wmi-mof', pattern: /\.mof$/, exceptActor: /^(?:msiexec|tiworker|trustedinstaller|mofcomp|wmiprvse|svchost|wmiadap)\.exe$/, techniques: ['T1546.003'], weight: 1.5, claim: 'is a WMI MOF file, which can register event subscriptions' },
  { id: 'file-powershell-profile', pattern: /\\(?:windows)?powershell\\(?:[^\\]+\\)?(?:microsoft\.powershell(?:ise)?_)?profile\.ps1$/, techniques: ['T1546.013'], weight: 2, claim: 'is a PowerShell profile that runs in every session' },
  { id: 'file-driver', pattern: /\\windows\\system32\\drivers\\[^\\]+\.sys$/, exceptActor: /^(?:system|trustedinstaller|tiworker|msiexec|drvinst|svchost|services|wuauclt|dismhost|mrt|msmpeng|mpsigstub)\.exe$|^system$/, techniques: ['T1543.003', 'T1014'], weight: 1.2, claim: 'is a kernel driver written by an unusual program' },
  { id: 'file-spooler-dll', pattern: /\\spool\\drivers\\(?:x64|w32x86)\\\d+\\[^\\]+\.dll$/, actor: /^spoolsv\.exe$/, techniques: ['T1068', 'T1547.012'], weight: 1.5, claim: 'is a printer driver DLL written by the spooler (PrintNightmare pattern)' },
  { id: 'file-gpo-script', pattern: /\\sysvol\\[^\\]+\\(?:policies\\[^\\]+\\(?:machine|user)\\scripts\\|scripts\\)[^\\]+\.(?:bat|cmd|ps1|vbs|js|exe)$/, techniques: ['T1484.001', 'T1037.001'], weight: 1.5, claim: 'is a logon or startup script placed in a Group Policy share' },
  { id: 'file-office-startup', pattern: /\\microsoft\\(?:word\\startup|excel\\xlstart|addins)\\[^\\]+\.(?:dotm|docm|xlam|xla|xll|xlsm|xlsb|wll|ppa|ppam)$/, techniques: ['T1137.006'], weight: 2, claim: 'is an Office add-in or startup file loaded at every start' },
  { id: 'file-outlook-macro', pattern: /\\microsoft\\outlook\\vbaproject\.otm$/, techniques: ['T1137'], weight: 2, claim: 'is the Outlook macro project, loaded at every start' },
  { id: 'file-normal-template', pattern: /\\microsoft\\templates\\normal\.dotm$/, exceptActor: /^winword\.exe$/, techniques: ['T1137.001'], weight: 1.5, claim: 'modifies the Word Normal template, loaded with every document' },
  { id: 'file-recycle-bin-exec', pattern: new RegExp(`\\\\\\$recycle\\.bin\\\\.*${EXECUTABLE_SOURCE}`), techniques: ['T1564.001'], weight: 1.5, claim: 'hides an executable in the recycle bin' },
  { id: 'file-hosts', pattern: /\\drivers\\etc\\hosts$/, exceptActor: INSTALLERS, techniques: ['T1565.001'], weight: 1, claim: 'changes the hosts file' },
  { id: 'file-browser-credentials-copy', pattern: /\\(?:login data|web data|key[34]\.db|logins\.json|signons\.sqlite)$/, exceptActor: /^(?:chrome|msedge|firefox|brave|opera|vivaldi|iexplore|chromium|explorer)\.exe$/, techniques: ['T1555.003'], weight: 2, claim: 'copies a browser password store' },
  { id: 'file-browser-cookies-copy', pattern: /\\(?:cookies|cookies\.sqlite)$/, exceptActor: /^(?:chrome|msedge|firefox|brave|opera|vivaldi|iexplore|chromium|explorer|msedgewebview2)\.exe$/, techniques: ['T1539'], weight: 1.5, claim: 'copies a browser cookie store' },
  { id: 'file-ransom-note', pattern: /(?:how[\s_-]*to[\s_-]*(?:decrypt|restore|recover)|decrypt[\s_-]*(?:my[\s_-]*)?files|restore[\s_-]*(?:my[\s_-]*)?files|ransom|_readme_|!!!read)[^\\]*\.(?:txt|html?|hta|rtf)$/, techniques: ['T1486'], weight: 2, claim: 'is named like a ransom note' },
  { id: 'file-private-key-export', pattern: /\.(?:pfx|p12|pvk)$/, actor: /^(?:certutil|powershell|pwsh|mimikatz|cmd|rundll32)\.exe$/, techniques: ['T1552.004'], weight: 1.2, claim: 'is an exported private key' },
  { id: 'file-remote-tool-config', pattern: /\\(?:anydesk|teamviewer|screenconnect[^\\]*|splashtop[^\\]*|atera[^\\]*|rustdesk)\\[^\\]+\.(?:conf|conf\.new|ini|xml|trace|log)$/, techniques: ['T1219.002'], weight: 0.5, claim: 'is a configuration or log file of remote desktop software' },
  { id: 'file-remote-drop', pattern: EXECUTABLE, actor: /^system$/, techniques: ['T1570', 'T1021.002'], weight: 1.5, claim: 'is an executable or script written over SMB by the kernel (remote file copy)' },
  { id: 'file-scf-coercion', pattern: /\.(?:scf|searchconnector-ms|library-ms)$/, exceptActor: /^explorer\.exe$/, techniques: ['T1187'], weight: 1.2, claim: 'is a shell command or library file that can leak NTLM hashes when browsed' },
];

/** Module-load knowledge: modules that show script engines, credential access or side-loading. */
export const IMAGE_LOAD_RULES: readonly PathRule[] = [
  { id: 'load-comsvcs-rundll32', pattern: /\\comsvcs\.dll$/, actor: /^rundll32\.exe$/, techniques: ['T1003.001', 'T1218.011'], weight: 2, claim: 'is comsvcs.dll loaded by rundll32, the MiniDump trick' },
  { id: 'load-automation-unmanaged', pattern: /\\system\.management\.automation(?:\.ni)?\.dll$/, exceptActor: /^(?:powershell|pwsh|powershell_ise|wsmprovhost|sdiagnhost|devenv|msbuild|mscorsvw|ngen|ngentask|vstest\.console|testhost\w*|servicehub\.\w+|explorer|searchprotocolhost|sqlps|dotnet|code|windowsterminal|azuredatastudio|mmc|syncappvpublishingserver|runscripthelper|winrshost|microsoft\.\w+)\.exe$/, techniques: ['T1059.001'], weight: 1.5, claim: 'is the PowerShell engine loaded outside PowerShell (unmanaged PowerShell)' },
  { id: 'load-clr-script-host', pattern: /\\(?:clr|mscoree|mscoreei|clrjit)\.dll$/, actor: /^(?:wscript|cscript|mshta|winword|excel|powerpnt|outlook|regsvr32|rundll32|msaccess|mspub)\.exe$/, techniques: ['T1620', 'T1059.007'], weight: 1.5, claim: 'is the .NET runtime loaded by a script host or Office program (DotNetToJScript)' },
  { id: 'load-script-engine', pattern: /\\(?:vbscript|jscript|jscript9|scrrun)\.dll$/, actor: /^(?:winword|excel|powerpnt|outlook|msaccess|mspub|rundll32|regsvr32|msiexec|wmiprvse)\.exe$/, techniques: ['T1059.005', 'T1059.007'], weight: 1, claim: 'is a script engine loaded by a program that should not run scripts' },
  { id: 'load-scrobj', pattern: /\\scrobj\.dll$/, actor: /^(?:regsvr32|rundll32)\.exe$/, techniques: ['T1218.010'], weight: 2, claim: 'is the scriptlet runtime loaded by regsvr32 or rundll32 (Squiblydoo)' },
  { id: 'load-mshtml-rundll32', pattern: /\\mshtml\.dll$/, actor: /^rundll32\.exe$/, techniques: ['T1218.011', 'T1059.007'], weight: 1.5, claim: 'is the HTML engine loaded by rundll32 (script through rundll32)' },
  { id: 'load-wmi-office', pattern: /\\(?:wmiutils|wbemcomn|fastprox|wbemsvc)\.dll$/, actor: OFFICE, techniques: ['T1047'], weight: 1, claim: 'is a WMI library loaded by an Office program' },
  { id: 'load-taskschd-office', pattern: /\\taskschd\.dll$/, actor: OFFICE, techniques: ['T1053.005'], weight: 1, claim: 'is the Task Scheduler library loaded by an Office program' },
  { id: 'load-dbghelp-odd', pattern: /\\(?:dbghelp|dbgcore)\.dll$/, actor: /^(?:rundll32|regsvr32|powershell|pwsh|wscript|cscript|mshta|msbuild|installutil|cmd)\.exe$/, techniques: ['T1003.001'], weight: 0.8, claim: 'is the dump-writing library loaded by a script host or proxy binary' },
  { id: 'load-vault-odd', pattern: /\\(?:vaultcli|samlib)\.dll$/, actor: /^(?:rundll32|regsvr32|powershell|pwsh|wscript|cscript|mshta|msbuild|installutil)\.exe$/, techniques: ['T1555.004', 'T1003.002'], weight: 1, claim: 'is a credential-store library loaded by a script host or proxy binary' },
  { id: 'load-amsi-odd', pattern: /\\amsi\.dll$/, techniques: ['T1574.001', 'T1562.001'], weight: 2.5, claim: 'is amsi.dll loaded from outside System32' },
  { id: 'load-lsass-unsigned', pattern: /\.dll$/, actor: /^lsass\.exe$/, techniques: ['T1547.005', 'T1547.008'], weight: 1.5, claim: 'is a module loaded into LSASS from outside the Windows folders' },
];

/** Value-data signs that make a persistence entry worse: what it starts and from where. */
const DATA_RULES: readonly TechniqueRule[] = [
  { id: 'data-script-host', pattern: /\b(?:powershell|pwsh|mshta|wscript|cscript|rundll32|regsvr32|certutil|bitsadmin|msiexec|conhost)(?:\.exe)?\b|\bcmd(?:\.exe)?["']?\s+\/[ck]\b|%comspec%/i, techniques: ['T1059'], weight: 1, claim: 'starts a shell, script host or proxy binary' },
  { id: 'data-staging-path', pattern: /\\(?:users\\public|perflogs|windows\\temp|appdata\\local\\temp|appdata\\roaming\\[^\\]+\.(?:exe|dll|bat|ps1|vbs|js)|programdata\\[^\\]+\.(?:exe|dll|bat|ps1|vbs|js)|\$recycle\.bin|downloads)\\?/i, techniques: [], weight: 0.8, claim: 'points into a user-writable staging folder' },
  { id: 'data-url', pattern: /(?:https?|ftp):\/\/|\\\\[\w.-]+@(?:ssl|\d+)\\/i, techniques: ['T1105'], weight: 1, claim: 'points at a network location' },
  { id: 'data-encoded', pattern: /\s[-/]e(?:nc\w*|c)?\s+[a-z0-9+/]{20,}|frombase64string/i, techniques: ['T1027.010'], weight: 1.5, claim: 'carries an encoded command' },
];

const INSTALLED_PROGRAM = /^"?(?:%(?:programfiles|programfiles\(x86\)|windir|systemroot)%|[a-z]:\\(?:program files(?: \(x86\))?|windows\\system32|windows\\syswow64))\\[^"]+\.exe"?(?:\s+[-/][\w-]+)*\s*$/i;
const BASE64_BLOB = /^[a-z0-9+/\s]{200,}={0,2}$/i;
const SYSINTERNALS_EULA = /\\software\\sysinternals\\([^\\]+)\\eulaaccepted$/i;

/**
 * Reads registry changes, written files and loaded modules for persistence, privilege escalation,
 * defence impairment, credential dumping, web shells and masquerading. Techniques come from the
 * event, not the rule.
 */
export function createRegistryFileEnricher(options: RegistryFileOptionsInput = {}): EnricherV1 {
  const settings = parseEnricherOptions('registry-file', RegistryFileOptionsSchema, options);

  function make(kind: string, subject: string, rule: Pick<TechniqueRule, 'id' | 'claim' | 'weight' | 'techniques'>, fragment: string, refs: string[]): Finding {
    return {
      kind,
      claim: `${subject} ${rule.claim}${fragment ? ` (${quote(fragment, settings.maxQuoteLength)})` : ''}.`,
      weight: rule.weight,
      refs: [...refs, `knowledge:${rule.id}`],
      attack: techniquesOf([rule], settings.includeSuccessorIds),
    };
  }

  function registry(alert: Alert, entity: Entity, index: number, isPrimary: boolean): Finding[] {
    const properties = entity.properties ?? {};
    const details = properties['details'] ?? (isPrimary ? alert.fields['Details'] : undefined);
    const eventType = properties['eventType'] ?? (isPrimary ? alert.fields['EventType'] : undefined) ?? '';
    const writer = properties['image'] ?? (isPrimary ? alert.fields['Image'] : undefined) ?? '';
    const key = normalizeRegistryKey(entity.value);
    const data = registryData(details);
    const change = /delete/i.test(eventType) || alert.category === 'registry_delete' ? 'delete' : 'set';
    const refs = [`entities[${index}].value`];
    if (details !== undefined) refs.push(properties['details'] !== undefined ? `entities[${index}].properties.details` : 'fields.Details');
    const subject = change === 'delete' ? 'Registry deletion' : 'Registry write';
    const fragment = data && change === 'set' ? `${key} = ${data}` : key;
    const findings: Finding[] = [];
    let strongest = 0;
    for (const rule of matchRegistry(key, data, change)) {
      findings.push(make('registry', subject, rule, fragment, refs));
      strongest = Math.max(strongest, rule.weight);
    }
    if (strongest >= 0.5 && change === 'set' && details !== undefined) {
      let isSuspicious = false;
      for (const rule of DATA_RULES) {
        if (!rule.pattern.test(details)) continue;
        findings.push(make('registry', 'The value data', rule, details, refs));
        isSuspicious = true;
      }
      // An ordinary autostart of an installed program: the key alone overstates it.
      if (!isSuspicious && strongest <= 1.5 && INSTALLED_PROGRAM.test(details)) {
        findings.push({ kind: 'registry', claim: `The value data points at an installed program (${quote(details, settings.maxQuoteLength)}).`, weight: -0.5, refs, benignReason: 'expected_activity' });
      }
    }
    if (change === 'set' && details !== undefined && BASE64_BLOB.test(details)) {
      findings.push(make('registry', subject, { id: 'reg-fileless-payload', claim: 'stores a long Base64 blob, a fileless payload store', weight: 1.5, techniques: ['T1027.011'] }, key, refs));
    }
    const eula = SYSINTERNALS_EULA.exec(key);
    if (eula?.[1] !== undefined) {
      const tool = eula[1].toLowerCase();
      const toolRule = knownTool(`${tool}.exe`);
      if (toolRule !== undefined) findings.push(make('registry', `Sysinternals ${eula[1]}`, toolRule, key, refs));
      const writerName = fileName(writer);
      if (writerName && !stem(writerName).replace(/64a?$/, '').includes(tool.replace(/\s+/g, ''))) {
        findings.push(make('registry', `Sysinternals ${eula[1]}`, { id: 'renamed-sysinternals', claim: `ran under another name (${writerName})`, weight: 1.5, techniques: ['T1036.003'] }, writer, ['fields.Image']));
      }
    }
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  function file(alert: Alert, entity: Entity, index: number, isPrimary: boolean): Finding[] {
    const properties = entity.properties ?? {};
    const writerPath = properties['image'] ?? (isPrimary ? alert.fields['Image'] : undefined) ?? '';
    const writer = fileName(writerPath);
    let path = normalizePath(entity.value);
    const refs = [`entities[${index}].value`];
    const findings: Finding[] = [];
    // `file.txt:stream` (optionally `:$DATA`): judge the file, and the stream name on its own.
    if (path.endsWith(':$data')) path = path.slice(0, -6);
    const colon = path.lastIndexOf(':');
    if (colon > 2 && !path.includes('\\', colon)) {
      const stream = path.slice(colon + 1);
      path = path.slice(0, colon);
      if (!/^(?:zone\.identifier|smartscreen|encryptable|favicon|ms-properties)$/.test(stream)) {
        findings.push(make('file', 'File write', { id: 'file-alternate-stream', claim: 'hides data in an NTFS alternate data stream', weight: 1.5, techniques: ['T1564.004'] }, entity.value, refs));
      }
    }
    for (const rule of FILE_RULES) {
      if (!rule.pattern.test(path)) continue;
      if (rule.actor !== undefined && !rule.actor.test(writer)) continue;
      if (rule.exceptActor !== undefined && rule.exceptActor.test(writer)) continue;
      findings.push(make('file', 'File write', rule, entity.value, rule.actor ? [...refs, 'fields.Image'] : refs));
    }
    const name = fileName(path);
    const isSystem = isSystemLocation(path);
    const tool = knownTool(path);
    if (tool !== undefined) findings.push(make('file', 'File write', { ...tool, weight: Math.min(tool.weight, 2) }, entity.value, refs));
    const core = SYSTEM_BINARIES.get(name);
    if (core !== undefined && !isSystem && !INSTALLERS.test(writer)) {
      findings.push(make('file', 'File write', { id: 'file-system-binary-name', claim: 'gives a Windows program name to a file outside the Windows folders', weight: core ? 2 : 1.5, techniques: ['T1036.005'] }, entity.value, refs));
    }
    const folder = stagingFolder(path);
    if (HIJACKABLE_MODULES.has(name) && !isSystem && (folder !== undefined || !path.includes('\\program files'))) {
      findings.push(make('file', 'File write', { id: 'file-system-dll-name', claim: 'drops a DLL named like a Windows library outside the Windows folders (DLL hijacking)', weight: folder !== undefined ? 2 : 0.8, techniques: ['T1574.001', 'T1036.005'] }, entity.value, refs));
    }
    if (folder !== undefined && EXECUTABLE.test(path) && !path.endsWith('.lnk')) {
      findings.push(make('file', 'A file that', { ...folder, claim: `${folder.claim.replace(/^lives/, 'was written')}, and is an executable or script` }, entity.value, refs));
    }
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  function imageLoad(loaded: string, loaderPath: string, signed: string | undefined, refs: string[]): Finding[] {
    const path = normalizePath(loaded);
    const loader = fileName(loaderPath);
    const isSystem = isSystemLocation(path);
    const findings: Finding[] = [];
    for (const rule of IMAGE_LOAD_RULES) {
      if (!rule.pattern.test(path)) continue;
      if (rule.actor !== undefined && !rule.actor.test(loader)) continue;
      if (rule.exceptActor !== undefined && rule.exceptActor.test(loader)) continue;
      if ((rule.id === 'load-amsi-odd' || rule.id === 'load-lsass-unsigned') && isSystem) continue;
      findings.push(make('image_load', 'Module load', rule, `${loader} ← ${loaded}`, refs));
    }
    const name = fileName(path);
    const folder = stagingFolder(path);
    if (HIJACKABLE_MODULES.has(name) && !isSystem) {
      findings.push(make('image_load', 'Module load', { id: 'load-system-module-elsewhere', claim: 'loads a module named like a Windows library from outside the Windows folders (DLL side-loading)', weight: folder !== undefined ? 2 : 0.8, techniques: ['T1574.001'] }, `${loader} ← ${loaded}`, refs));
    }
    if (name.endsWith('.cpl') && !isSystem) {
      findings.push(make('image_load', 'Module load', { id: 'load-cpl-elsewhere', claim: 'loads a Control Panel item from outside the Windows folders', weight: 1, techniques: ['T1218.002', 'T1574.001'] }, loaded, refs));
    }
    if (signed === 'false' && folder !== undefined) {
      findings.push(make('image_load', 'Module load', { id: 'load-unsigned-staging', claim: 'loads an unsigned module from a user-writable folder', weight: 0.8, techniques: ['T1574.001'] }, loaded, refs));
    }
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  return {
    id: 'registry-file',
    description: 'Reads registry changes, written files and loaded modules: autostart and hijack locations, defence impairment, credential dumps, web shells, masquerading names, side-loading.',
    enrich(alert: Alert): Finding[] {
      let findings: Finding[] | undefined;
      let hasHostEntity = false;
      let registryCount = 0;
      let fileCount = 0;
      const loaded = alert.fields['ImageLoaded'];
      const isImageLoad = alert.category === 'image_load' || loaded !== undefined;
      for (let index = 0; index < alert.entities.length; index++) {
        const entity = alert.entities[index] as Entity;
        if (entity.kind === 'process') hasHostEntity = true;
        else if (entity.kind === 'registry' && registryCount < 8) {
          hasHostEntity = true;
          const result = registry(alert, entity, index, registryCount++ === 0);
          if (result.length > 0) (findings ??= []).push(...result);
        } else if (entity.kind === 'file' && fileCount < 8) {
          hasHostEntity = true;
          if (isImageLoad && (loaded === undefined || entity.value === loaded)) continue;
          const result = file(alert, entity, index, fileCount++ === 0);
          if (result.length > 0) (findings ??= []).push(...result);
        }
      }
      if (hasHostEntity && isImageLoad) {
        const fileEntity = alert.entities.findIndex((entity) => entity.kind === 'file');
        const module = loaded ?? (fileEntity >= 0 ? alert.entities[fileEntity]?.value : undefined);
        if (module !== undefined) {
          const loader = alert.fields['Image'] ?? alert.entities[fileEntity]?.properties?.['image'] ?? '';
          const refs = [loaded !== undefined ? 'fields.ImageLoaded' : `entities[${fileEntity}].value`];
          const result = imageLoad(module, loader, alert.fields['Signed']?.toLowerCase(), refs);
          if (result.length > 0) (findings ??= []).push(...result);
        }
      }
      if (findings === undefined) return [];
      return registryCount + fileCount > 1 ? keepStrongestPerRule(findings) : findings;
    },
  };
}
