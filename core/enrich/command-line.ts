import { z } from 'zod';
import type { Alert, Entity } from '../spec/alert.js';
import { ConfigError } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import type { EnricherV1, Finding } from './enricher.js';
import { matchRegistry, normalizeRegistryKey, registryData } from './registry-rules.js';
import { capPositiveWeights, keepStrongestPerRule, quote, rx, techniquesOf, type TechniqueRule } from './technique-inference.js';
import { knownTool, SYSTEM_BINARIES } from './windows-binaries.js';
import { fileName, isSystemLocation, normalizePath, stagingFolder, stem } from './windows-paths.js';

export const CommandLineOptionsSchema = z.strictObject({
  /** Longest decoded text kept in a finding's `detail`. */
  maxDetailLength: z.number().int().min(80).max(100_000).default(2000),
  /** Longest fragment quoted in a claim. */
  maxQuoteLength: z.number().int().min(16).max(1000).default(80),
  /** Command lines longer than this count as padded or obfuscated. */
  longCommandLineLength: z.number().int().min(100).default(1024),
  /** Only this many leading characters are scanned: bounds the cost of attacker-sized input. */
  maxScanLength: z.number().int().min(1024).max(1_000_000).default(16_384),
  /** Cap on the summed positive weight of one process: its findings describe one act. */
  maxTotalWeight: z.number().positive().max(20).default(4.5),
  /** Also emit the ATT&CK v19 ids of renumbered Impair Defenses techniques (T1685, T1686…). */
  includeSuccessorIds: z.boolean().default(true),
  /** Distinct processes whose findings are remembered (command lines repeat); 0 turns caching off. */
  cacheSize: z.number().int().min(0).max(1_000_000).default(4096),
});
export type CommandLineOptions = z.infer<typeof CommandLineOptionsSchema>;
export type CommandLineOptionsInput = z.input<typeof CommandLineOptionsSchema>;

export interface CommandRule extends TechniqueRule {
  /** Programs (lower-case, no extension) the rule is about; it runs only when one is in the event. Absent = any. */
  readonly bins?: readonly string[];
  /** What running the program alone shows; used only when no other rule about it matched. */
  readonly isFallback?: boolean;
}

export interface ParentChildRule {
  readonly id: string;
  /** Matched against the lower-case parent and child file names. */
  readonly parent: RegExp;
  readonly child: RegExp;
  readonly techniques: readonly string[];
  readonly weight: number;
  readonly claim: string;
}

// Program groups that gate rules: a rule about a downloader only runs when one is in the event.
const PS = ['powershell', 'pwsh', 'powershell_ise'];
const DOWNLOADERS = ['curl', 'wget', 'certutil', 'bitsadmin', 'powershell', 'pwsh', 'mshta', 'msiexec', 'regsvr32', 'hh', 'finger', 'tftp', 'desktopimgdownldr', 'mpcmdrun', 'certreq', 'esentutl', 'chrome', 'msedge', 'firefox', 'iexplore', 'brave', 'opera'];
const TAMPER_TOOLS = ['sc', 'net', 'net1', 'taskkill', 'wmic', 'powershell', 'pwsh', 'cmd', 'msiexec', 'reg', 'advancedrun', 'nsudo', 'pskill', 'pskill64'];
const BROWSERS = ['chrome', 'msedge', 'brave', 'opera', 'vivaldi', 'firefox', 'iexplore', 'chromium'];
/** User-writable folders payloads are staged in (regex source, lower-case path with backslashes). */
const STAGING = String.raw`\\(?:users\\public|perflogs|windows\\temp|appdata\\local\\temp|appdata\\roaming|programdata|\$recycle\.bin|downloads|temp)\\`;
/** Service and process names of security products and sensors (regex source). */
const SECURITY_PRODUCTS = String.raw`windefend|wdnissvc|wdfilter|wdboot|\bsense\b|securityhealthservice|wscsvc|msmpeng|sysmon\w*|sophos\w*|mcafee\w*|symantec|sepmasterservice|\bsepwsc|crowdstrike|csagent|csfalcon\w*|cbdefense|carbonblack|cylance\w*|sentinel(?:agent|one|helper)\w*|\beset\w*|ekrn|kaspersky|\bavp\b|bdagent|bitdefender|malwarebytes|mbam\w*|trend ?micro|ntrtscan|tmlisten|\bavast\w*|\bavg\w*|norton|webroot|f-secure|xagt|elastic-agent|winlogbeat|splunkd|ossec|wazuh\w*|velociraptor|cortex|cyserver|traps`;
const TAMPER_VERBS = String.raw`\bstop\b|start=\s*disabled|startuptype\s+disabled|\bdelete\b|taskkill|\bkill\b|uninstall|stopservice|stop-service|stop-process|\bpause\b|\bunload\b`;

/**
 * Command-line knowledge: LOLBAS, ATT&CK procedure examples, well-known attack tooling. Patterns run
 * case-insensitively on the de-obfuscated command line (carets, in-word quotes and backticks removed).
 */
export const COMMAND_RULES: readonly CommandRule[] = [
  // PowerShell content (also applied to decoded -EncodedCommand text).
  { id: 'ps-download-cradle', pattern: rx`(?:\biex\b|invoke-expression)[\s\S]{0,120}(?:downloadstring|downloaddata|invoke-webrequest|\biwr\b|invoke-restmethod|\birm\b|net\.webclient)|(?:downloadstring|invoke-webrequest|invoke-restmethod|\birm\b|\biwr\b)[^;]{0,300}\|\s*(?:iex|invoke-expression)\b`, techniques: ['T1059.001', 'T1105'], weight: 2.5, claim: 'runs PowerShell code fetched from the network (download cradle)' },
  { id: 'ps-webclient-download', pattern: rx`\.(?:downloadstring|downloadfile|downloaddata|downloadstringasync|downloadfileasync|openread)\s*\(|net\.webclient`, techniques: ['T1105'], weight: 1.5, claim: 'downloads content with System.Net.WebClient' },
  { id: 'ps-web-request', pattern: rx`\b(?:invoke-webrequest|iwr|invoke-restmethod|irm|wget|curl)\b[^;|]{0,200}(?:https?|ftp)://`, bins: PS, techniques: ['T1105'], weight: 1.2, claim: 'fetches a URL from PowerShell' },
  { id: 'ps-bits-transfer', pattern: rx`\bstart-bitstransfer\b`, bins: PS, techniques: ['T1197', 'T1105'], weight: 1.5, claim: 'downloads with Start-BitsTransfer' },
  { id: 'ps-invoke-expression', pattern: rx`(?:^|[\s;|({&.'"])(?:iex|invoke-expression)\b|\[scriptblock\]::create`, bins: PS, techniques: ['T1059.001'], weight: 0.8, claim: 'evaluates a string as PowerShell code' },
  { id: 'ps-execution-policy-bypass', pattern: rx`(?:^|\s){-}(?:ep|ex|exe|exec|execu\w*|executionpolicy)\s+["']?(?:bypass|unrestricted)`, bins: PS, techniques: ['T1059.001'], weight: 0.5, claim: 'bypasses the PowerShell execution policy' },
  { id: 'ps-hidden-window', pattern: rx`(?:^|\s){-}(?:w|wi|win|wind\w*)\s+["']?(?:hidden|hid|h|1)\b|-windowstyle\s+hidden|createnowindow\s*=\s*\$true`, bins: PS, techniques: ['T1564.003'], weight: 0.8, claim: 'hides the PowerShell window' },
  { id: 'ps-version-downgrade', pattern: rx`(?:^|\s){-}(?:v|ve|ver|vers\w*)\s+2(?:\.0)?\b`, bins: PS, techniques: ['T1562.010'], weight: 1.5, claim: 'starts PowerShell version 2, which has no script logging or AMSI' },
  { id: 'ps-amsi-bypass', pattern: rx`amsiutils|amsiinitfailed|amsicontext|amsiscanbuffer|amsiopensession|\bamsi\.dll`, bins: PS, techniques: ['T1562.001'], weight: 3, claim: 'tampers with AMSI, the script malware scanner' },
  { id: 'ps-defender-disable', pattern: rx`\bset-mppreference\b[^;|]{0,200}{-}disable\w+\s+(?:\$true|1)\b|\bset-mppreference\b[^;|]{0,200}{-}(?:enablecontrolledfolderaccess|puaprotection|mapsreporting|submitsamplesconsent)\s+(?:disabled|0|2)`, bins: PS, techniques: ['T1562.001'], weight: 2.5, claim: 'turns off Microsoft Defender protections' },
  { id: 'ps-defender-exclusion', pattern: rx`\b(?:add|set)-mppreference\b[^;|]{0,200}{-}exclusion(?:path|extension|process|ipaddress)|msft_mppreference[^;|]{0,120}exclusion`, bins: PS, techniques: ['T1562.001', 'T1564.012'], weight: 2, claim: 'adds a Microsoft Defender exclusion' },
  { id: 'ps-mimikatz', pattern: rx`invoke-mimikatz|sekurlsa::|lsadump::|kerberos::(?:ptt|golden|list|ask)|privilege::debug|crypto::(?:capi|cng|certificates)|dpapi::|misc::(?:memssp|skeleton)|token::elevate`, techniques: ['T1003.001', 'T1003'], weight: 3, claim: 'runs Mimikatz credential-theft commands' },
  { id: 'ps-dcsync', pattern: rx`lsadump::dcsync|invoke-dcsync`, techniques: ['T1003.006'], weight: 3, claim: 'runs a DCSync replication attack' },
  { id: 'ps-injection', pattern: rx`invoke-(?:shellcode|reflectivepeinjection|dllinjection|psinject|processhollowing)|\b(?:virtualallocex?|writeprocessmemory|createremotethread|queueuserapc|ntmapviewofsection)\b`, bins: PS, techniques: ['T1055'], weight: 2.5, claim: 'injects code into another process' },
  { id: 'ps-reflective-load', pattern: rx`\[(?:system\.)?reflection\.assembly\]::load(?:file|from)?\s*\(|assembly\]::load\(|getdelegateforfunctionpointer|\[system\.runtime\.interopservices\.marshal\]::copy`, bins: PS, techniques: ['T1620'], weight: 1.5, claim: 'loads code into memory by reflection' },
  { id: 'ps-native-api', pattern: rx`add-type[^;|]{0,400}dllimport|dllimport\s*\(\s*["']kernel32`, bins: PS, techniques: ['T1106'], weight: 1, claim: 'calls Windows native APIs from PowerShell' },
  { id: 'ps-kerberoast', pattern: rx`invoke-kerberoast|get-domainspnticket|request-spnticket|kerberosrequestorsecuritytoken`, bins: PS, techniques: ['T1558.003'], weight: 3, claim: 'requests service tickets to crack (Kerberoasting)' },
  { id: 'ps-ad-collector', pattern: rx`invoke-(?:bloodhound|sharphound)|sharphound\.ps1|get-bloodhounddata`, bins: PS, techniques: ['T1087.002', 'T1482', 'T1069.002', 'T1018'], weight: 3, claim: 'runs the BloodHound Active Directory collector' },
  { id: 'ps-powerview', pattern: rx`\b(?:get|find|invoke)-(?:net|domain)(?:user|group|groupmember|computer|trust|controller|domain|forest|session|loggedon|localgroup|share|gpo|ou|object|spn|sid)\b|invoke-(?:userhunter|sharefinder|filefinder|enumeratelocaladmin)|find-localadminaccess`, bins: PS, techniques: ['T1087.002', 'T1069.002', 'T1018', 'T1135'], weight: 2, claim: 'runs PowerView Active Directory enumeration' },
  { id: 'ps-gpp-password', pattern: rx`get-(?:cached)?gpppassword`, bins: PS, techniques: ['T1552.006'], weight: 3, claim: 'hunts Group Policy Preference passwords' },
  { id: 'ps-lateral-tools', pattern: rx`invoke-(?:smbexec|wmiexec|psexec|dcom|thehash|smbclient|wmicommand|runas)\b`, bins: PS, techniques: ['T1021.002', 'T1047', 'T1550.002'], weight: 3, claim: 'runs a lateral-movement attack cmdlet' },
  { id: 'ps-minidump', pattern: rx`out-minidump|minidumpwritedump`, bins: PS, techniques: ['T1003.001'], weight: 3, claim: 'writes a process memory dump' },
  { id: 'ps-ninjacopy', pattern: rx`invoke-ninjacopy|\\ntds\.dit\b`, bins: PS, techniques: ['T1003.003'], weight: 2.5, claim: 'copies the Active Directory database (ntds.dit)' },
  { id: 'ps-keylogger', pattern: rx`get-keystrokes|getasynckeystate|setwindowshookex`, bins: PS, techniques: ['T1056.001'], weight: 2.5, claim: 'records keystrokes' },
  { id: 'ps-screenshot', pattern: rx`get-timedscreenshot|copyfromscreen`, bins: PS, techniques: ['T1113'], weight: 1.5, claim: 'takes screenshots' },
  { id: 'ps-clipboard', pattern: rx`get-clipboard|\[(?:system\.)?windows\.forms\.clipboard\]::gettext`, bins: PS, techniques: ['T1115'], weight: 0.8, claim: 'reads the clipboard' },
  { id: 'ps-port-scan', pattern: rx`invoke-portscan|(?:new-object\s+(?:system\.)?net\.sockets\.tcpclient)[^;]{0,80}\.connect\([^)]*\)[\s\S]{0,40}\d{1,5}\.\.\d{1,5}`, bins: PS, techniques: ['T1046'], weight: 2, claim: 'scans network ports' },
  { id: 'ps-reverse-shell', pattern: rx`powercat|invoke-powershelltcp|nishang|net\.sockets\.tcpclient[\s\S]{0,300}getstream\(\)`, bins: PS, techniques: ['T1059.001', 'T1095'], weight: 3, claim: 'opens a raw TCP command channel (reverse shell)' },
  { id: 'ps-base64-decode', pattern: rx`frombase64string`, techniques: ['T1140', 'T1027'], weight: 1, claim: 'decodes Base64 content at run time' },
  { id: 'ps-decompress', pattern: rx`io\.compression\.(?:gzipstream|deflatestream)|\b(?:gzipstream|deflatestream)\b`, bins: PS, techniques: ['T1140', 'T1027.015'], weight: 1, claim: 'decompresses an embedded payload at run time' },
  { id: 'ps-xor', pattern: rx`\s-bxor\s`, bins: PS, techniques: ['T1140', 'T1027'], weight: 1, claim: 'decodes data with XOR' },
  { id: 'ps-clear-eventlog', pattern: rx`\b(?:clear-eventlog|remove-eventlog|limit-eventlog)\b|eventlogsession\]::globalsession\.clearlog`, bins: PS, techniques: ['T1070.001'], weight: 2.5, claim: 'clears or shrinks Windows event logs' },
  { id: 'ps-eventlog-read', pattern: rx`\b(?:get-winevent|get-eventlog)\b`, bins: PS, techniques: ['T1654'], weight: 0.5, claim: 'reads Windows event logs' },
  { id: 'ps-eventlog-logons', pattern: rx`\b(?:get-winevent|get-eventlog)\b[\s\S]{0,300}(?:4624|4625|4648|4768|4769|4776|terminalservices|\bsecurity\b)[\s\S]{0,400}(?:user|address|ipaddress|targetusername|accountname)`, bins: PS, techniques: ['T1087', 'T1033'], weight: 1, claim: 'extracts user names and addresses from logon events' },
  { id: 'ps-clear-history', pattern: rx`remove-item[^;|]{0,120}(?:consolehost_history|psreadline)|clear-history|set-psreadlineoption[^;|]{0,60}historysavestyle\s+savenothing`, bins: PS, techniques: ['T1070.003'], weight: 2, claim: 'deletes the PowerShell command history' },
  { id: 'ps-firewall-off', pattern: rx`set-netfirewallprofile[^;|]{0,120}{-}enabled\s+(?:\$?false|0)`, bins: PS, techniques: ['T1562.004'], weight: 2.5, claim: 'turns off Windows Firewall' },
  { id: 'ps-firewall-rule', pattern: rx`new-netfirewallrule[^;|]{0,200}{-}action\s+allow|new-netfirewallrule`, bins: PS, techniques: ['T1562.004'], weight: 0.8, claim: 'adds a Windows Firewall rule' },
  { id: 'ps-new-local-user', pattern: rx`\bnew-localuser\b`, bins: PS, techniques: ['T1136.001'], weight: 1.2, claim: 'creates a local account' },
  { id: 'ps-new-domain-user', pattern: rx`\bnew-aduser\b`, bins: PS, techniques: ['T1136.002'], weight: 1, claim: 'creates a domain account' },
  { id: 'ps-add-admin', pattern: rx`add-(?:localgroupmember|adgroupmember)[^;|]{0,120}(?:administrators|domain admins|enterprise admins|remote desktop users)`, bins: PS, techniques: ['T1098.007'], weight: 1.8, claim: 'adds an account to a privileged group' },
  { id: 'ps-scheduled-task', pattern: rx`\bregister-scheduledtask\b|\bnew-scheduledtaskaction\b`, bins: PS, techniques: ['T1053.005'], weight: 0.8, claim: 'creates a scheduled task' },
  { id: 'ps-new-service', pattern: rx`\bnew-service\b`, bins: PS, techniques: ['T1543.003'], weight: 1, claim: 'creates a Windows service' },
  { id: 'ps-wmi-process-create', pattern: rx`(?:invoke-wmimethod|invoke-cimmethod|\[wmiclass\])[^;|]{0,200}win32_process[^;|]{0,120}create|win32_process[^;|]{0,60}\)?\.create\(`, bins: PS, techniques: ['T1047'], weight: 1.5, claim: 'starts a process through WMI' },
  { id: 'ps-wmi-query', pattern: rx`\b(?:get-wmiobject|gwmi|get-ciminstance|gcim)\b`, bins: PS, techniques: ['T1047'], weight: 0.2, claim: 'queries WMI' },
  { id: 'ps-shadow-delete', pattern: rx`win32_shadowcopy[^;]{0,120}(?:delete|remove-wmiobject|remove-ciminstance)|(?:remove-wmiobject|remove-ciminstance)[^;]{0,120}shadowcopy`, bins: PS, techniques: ['T1490'], weight: 3, claim: 'deletes volume shadow copies' },
  { id: 'ps-remoting', pattern: rx`invoke-command[^;|]{0,200}{-}(?:computername|cn|session)\b|\benter-pssession\b|\bnew-pssession\b`, bins: PS, techniques: ['T1021.006'], weight: 0.8, claim: 'runs commands on another host over PowerShell remoting' },
  { id: 'ps-av-discovery', pattern: rx`antivirusproduct|root\\securitycenter2?|get-mpcomputerstatus|get-mppreference`, bins: PS, techniques: ['T1518.001'], weight: 1, claim: 'lists installed security products' },
  { id: 'ps-ad-users', pattern: rx`\bget-aduser\b`, bins: PS, techniques: ['T1087.002'], weight: 0.6, claim: 'lists domain users' },
  { id: 'ps-ad-computers', pattern: rx`\bget-adcomputer\b`, bins: PS, techniques: ['T1018'], weight: 0.6, claim: 'lists domain computers' },
  { id: 'ps-ad-groups', pattern: rx`\bget-adgroup(?:member)?\b`, bins: PS, techniques: ['T1069.002'], weight: 0.6, claim: 'lists domain groups' },
  { id: 'ps-ad-trusts', pattern: rx`\bget-ad(?:trust|forest)\b|getalltrustrelationships|get-domaintrust`, bins: PS, techniques: ['T1482'], weight: 1, claim: 'lists domain trusts' },
  { id: 'ps-local-accounts', pattern: rx`\bget-localuser\b`, bins: PS, techniques: ['T1087.001'], weight: 0.4, claim: 'lists local users' },
  { id: 'ps-local-groups', pattern: rx`\bget-localgroup(?:member)?\b`, bins: PS, techniques: ['T1069.001'], weight: 0.4, claim: 'lists local groups' },
  { id: 'ps-credential-files', pattern: rx`(?:get-childitem|gci|dir|ls)\b[^;|]{0,300}(?:password|passwd|\.kdbx|\.kdb\b|unattend\.xml|sysprep\.xml|web\.config|credentials?|id_rsa|\.ppk\b)|select-string[^;|]{0,120}(?:password|passwd|pwd=|credential)`, bins: PS, techniques: ['T1552.001'], weight: 1.5, claim: 'searches files for stored passwords' },
  { id: 'ps-process-lsass', pattern: rx`get-process[^;|]{0,40}lsass`, bins: PS, techniques: ['T1057'], weight: 0.8, claim: 'looks up the LSASS process' },
  { id: 'ps-hidden-file', pattern: rx`\.attributes\s*=\s*["']?hidden|attributes\s+-bor\s+\[?(?:system\.)?io\.fileattributes\]?::hidden`, bins: PS, techniques: ['T1564.001'], weight: 1.2, claim: 'hides a file' },
  { id: 'ps-timestomp', pattern: rx`\.(?:creationtime|lastwritetime|lastaccesstime)(?:utc)?\s*=`, bins: PS, techniques: ['T1070.006'], weight: 1.5, claim: 'changes file timestamps (timestomping)' },
  { id: 'ps-dcom-lateral', pattern: rx`gettypefromprogid\(\s*["'](?:mmc20\.application|shell\.application|excel\.application|outlook\.application)["']\s*,|gettypefromclsid\(\s*["']?(?:9ba05972|c08afd90|49b2791a)`, bins: PS, techniques: ['T1021.003'], weight: 2.5, claim: 'instantiates a COM object on another host (DCOM lateral movement)' },
  { id: 'ps-upload', pattern: rx`(?:invoke-webrequest|iwr|invoke-restmethod|irm)\b[^;|]{0,200}{-}(?:infile\b|method\s+(?:post|put)\b[^;|]{0,120}{-}infile\b)|\.upload(?:file|data|string)\s*\(`, bins: PS, techniques: ['T1048', 'T1041'], weight: 1.5, claim: 'uploads a local file over HTTP' },
  { id: 'ps-archive', pattern: rx`\bcompress-archive\b`, bins: PS, techniques: ['T1560.001'], weight: 0.3, claim: 'compresses files into an archive' },
  { id: 'ps-ad-domain-controllers', pattern: rx`\bget-addomaincontroller\b`, bins: PS, techniques: ['T1018'], weight: 0.6, claim: 'lists domain controllers' },

  // Encoded, obfuscated or unusual strings in any command line.
  { id: 'cmd-env-substring', pattern: rx`%[a-z_]+:~-?\d+(?:,-?\d+)?%|![a-z_]+:~-?\d+(?:,-?\d+)?!`, techniques: ['T1027.010'], weight: 2, claim: 'builds commands from environment-variable substrings (cmd obfuscation)' },
  { id: 'cmd-delayed-expansion', pattern: rx`\bcmd(?:\.exe)?["']?\s+{-}v(?::on)?\s[^|]{0,80}!\w+[:!]`, bins: ['cmd'], techniques: ['T1027.010'], weight: 1.5, claim: 'uses delayed variable expansion to hide a command' },
  { id: 'cmd-format-obfuscation', pattern: rx`\(\s*["'](?:\{\d+\}){3,}["']\s*-f\b|["']\s*-f\s*["'][^"']{1,8}["']\s*,\s*["']`, bins: PS, techniques: ['T1027.010'], weight: 1.5, claim: 'assembles strings with format-operator reordering (obfuscation)' },
  { id: 'cmd-reversed-string', pattern: rx`\[\s*-1\s*\.\.\s*-?\(?\s*\$|\[array\]::reverse\(|\[regex\]::matches\([^)]*righttoleft`, bins: PS, techniques: ['T1027.010'], weight: 1.2, claim: 'reverses a string at run time (obfuscation)' },
  { id: 'cmd-ads-path', pattern: /[a-z0-9_\]]\.[a-z0-9]{2,5}:[\w.-]+\.(?:exe|dll|ps1|vbs|js|jse|bat|cmd|hta|txt)\b/i, techniques: ['T1564.004'], weight: 2, claim: 'uses a file hidden in an NTFS alternate data stream' },
  { id: 'cmd-self-delete', pattern: rx`(?:ping|timeout|choice)\b[^&|]{0,60}&{1,2}\s*(?:del|erase|rd|rmdir)\b`, bins: ['cmd', 'ping', 'timeout', 'choice'], techniques: ['T1070.004'], weight: 2, claim: 'waits and then deletes files (self-deleting dropper)' },
  { id: 'cmd-staging-script', pattern: new RegExp(`${STAGING}[^"'|&<>]{0,300}\\.(?:ps1|vbs|vbe|js|jse|wsf|hta|bat|cmd|sct|scr|cpl|dll)\\b`, 'i'), techniques: [], weight: 0.6, claim: 'references a script or library in a user-writable staging folder' },
  { id: 'cmd-lsass-dump', pattern: rx`\blsass(?:\.exe)?\b[\s\S]{0,80}(?:\.dmp|minidump|{-}ma\b|{-}mm\b|{-}mp\b|fullmemdmp)|(?:\.dmp|minidump|{-}ma\b|{-}mm\b|fullmemdmp)[\s\S]{0,80}\blsass\b`, techniques: ['T1003.001'], weight: 3, claim: 'dumps LSASS memory' },
  { id: 'cmd-lsass-lookup', pattern: rx`(?:tasklist|findstr|find|select-string|get-process|pidof|pgrep|qprocess)\b[^&|]{0,60}\blsass\b|\bprocess\s+where\b[^&|]{0,40}\blsass\b|\|\s*(?:findstr|find)\b[^&|]{0,20}\blsass\b`, techniques: ['T1057'], weight: 0.8, claim: 'looks up the LSASS process, a step before dumping it' },
  { id: 'cmd-comsvcs-minidump', pattern: rx`comsvcs(?:\.dll)?["']?\s*[,#\s]\s*(?:#\s*\+?0*24\b|minidumpw?\b)`, techniques: ['T1003.001', 'T1218.011'], weight: 3, claim: 'dumps process memory through comsvcs.dll MiniDump' },
  { id: 'cmd-security-tamper', pattern: new RegExp(`(?:${TAMPER_VERBS})[\\s\\S]{0,100}(?:${SECURITY_PRODUCTS})|(?:${SECURITY_PRODUCTS})[\\s\\S]{0,100}(?:call\\s+(?:uninstall|terminate|stopservice|delete)|\\|\\s*(?:stop-service|stop-process|remove-\\w+))`, 'i'), bins: TAMPER_TOOLS, techniques: ['T1562.001'], weight: 2, claim: 'stops, kills or removes security software' },
  { id: 'cmd-firewall-service-stop', pattern: rx`(?:\bstop\b|stopservice|stop-service)[^|&]{0,60}\b(?:mpssvc|sharedaccess|bfe)\b|\b(?:mpssvc|sharedaccess|bfe)\b[^|&]{0,40}(?:start=\s*disabled|startuptype\s+disabled)`, bins: TAMPER_TOOLS, techniques: ['T1562.004', 'T1489'], weight: 2, claim: 'stops the Windows Firewall service' },
  { id: 'cmd-eventlog-service-stop', pattern: rx`(?:\bstop\b|stopservice|stop-service)[^|&]{0,60}\beventlog\b|\beventlog\b[^|&]{0,40}(?:start=\s*disabled|startuptype\s+disabled)`, bins: TAMPER_TOOLS, techniques: ['T1562.002', 'T1489'], weight: 2.5, claim: 'stops the Windows Event Log service' },
  { id: 'cmd-backup-service-stop', pattern: rx`(?:\bstop\b|taskkill|stopservice|stop-service|\bdisabled\b)[^|&]{0,60}\b(?:vss|swprv|wbengine|sql\w*|mssql\w*|veeam\w*|backup\w*|sqlwriter|msexchange\w*|oracle\w*|sophos\w*)\b`, bins: TAMPER_TOOLS, techniques: ['T1489'], weight: 1.2, claim: 'stops backup or database services (ransomware preparation)' },
  { id: 'cmd-ip-url', pattern: /(?:https?|ftp):\/\/(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\//i, bins: DOWNLOADERS, techniques: ['T1105'], weight: 0.8, claim: 'fetches from a bare IP address' },
  { id: 'cmd-paste-site', pattern: /(?<![\w.-])(?:[\w-]{1,63}\.){0,4}(?:pastebin\.com|paste\.ee|hastebin\.com|ghostbin\.\w+|transfer\.sh|temp\.sh|file\.io|anonfiles\.com|gofile\.io|mega\.nz|ngrok(?:-free)?\.(?:io|app)|trycloudflare\.com|mockbin\.(?:org|io)|webhook\.site|requestbin\.\w+|pipedream\.net|cdn\.discordapp\.com|discord(?:app)?\.com\/attachments|api\.telegram\.org|sendspace\.com|mediafire\.com|catbox\.moe|filebin\.net|tmpfiles\.org|oshi\.at|ufile\.io|workers\.dev|pages\.dev|duckdns\.org|portmap\.io|serveo\.net|localtunnel\.me|loca\.lt|anonfile\.\w+)\b/i, techniques: ['T1105', 'T1102'], weight: 1.2, claim: 'reaches a paste, tunnel or anonymous file-sharing service' },
  { id: 'cmd-code-hosting-raw', pattern: /https?:\/\/(?:raw\.githubusercontent\.com|gist\.githubusercontent\.com|github\.com\/[^\s"']{1,300}\/(?:raw|releases\/download)\/|gitlab\.com\/[^\s"']{1,300}\/-\/raw\/|bitbucket\.org\/[^\s"']{1,300}\/raw\/)/i, bins: DOWNLOADERS, techniques: ['T1105'], weight: 0.5, claim: 'downloads a raw file from a code-hosting site' },
  { id: 'cmd-webdav', pattern: /\\\\[\w.-]+@(?:ssl|\d+)\\|davwwwroot/i, techniques: ['T1105'], weight: 1.2, claim: 'reaches a WebDAV share' },
  { id: 'cmd-unc-execution', pattern: /^\s*"?\\\\(?:\d{1,3}\.){3}\d{1,3}\\/i, techniques: ['T1021.002'], weight: 1.2, claim: 'runs a program straight from a remote share' },
  { id: 'cmd-impacket-output', pattern: /\\\\127\.0\.0\.1\\(?:admin|c)\$\\__(?:\d|output)/i, techniques: ['T1047', 'T1021.002', 'T1569.002'], weight: 3, claim: 'writes command output to a local admin share, the signature of Impacket wmiexec or smbexec' },
  { id: 'cmd-named-pipe-impersonation', pattern: /\becho\s+\S+\s*>\s*\\\\\.\\pipe\\/i, techniques: ['T1134.001'], weight: 2.5, claim: 'writes to a named pipe from a service, the getsystem token-impersonation trick' },
  { id: 'cmd-ntds-reference', pattern: /\\ntds\.dit\b|\bntds\.dit\b/i, techniques: ['T1003.003'], weight: 2.5, claim: 'touches the Active Directory database (ntds.dit)' },
  { id: 'cmd-hive-file-copy', pattern: rx`(?:copy|xcopy|robocopy|esentutl|copy-item|cpi)\b[^&|;]{0,200}\\config\\(?:sam|security|system)\b`, techniques: ['T1003.002'], weight: 2.5, claim: 'copies a credential registry hive file' },
  { id: 'cmd-browser-credentials', pattern: rx`(?:copy|xcopy|robocopy|esentutl|copy-item|cpi|type|get-content|gc)\b[^&|;]{0,200}\\(?:login data|web data|cookies|key[34]\.db|logins\.json|cookies\.sqlite)\b`, techniques: ['T1555.003', 'T1539'], weight: 2, claim: 'copies a browser password or cookie store' },
  { id: 'cmd-credential-manager-files', pattern: rx`\\microsoft\\(?:credentials|vault|protect)\\`, bins: ['cmd', 'powershell', 'pwsh', 'xcopy', 'robocopy'], techniques: ['T1555.004'], weight: 1.5, claim: 'reads Windows Credential Manager or DPAPI files' },
  { id: 'cmd-prefetch-delete', pattern: rx`(?:del|erase|remove-item|ri|rd|rmdir)\b[^&|;]{0,80}\\prefetch\\`, bins: ['cmd', 'powershell', 'pwsh'], techniques: ['T1070.004'], weight: 1.5, claim: 'deletes Prefetch files, a forensic record of execution' },
  { id: 'cmd-etw-off', pattern: rx`complus_etwenabled\s*=\s*0|\betwenabled\b[^&|;]{0,40}\b0\b`, techniques: ['T1562.006'], weight: 2.5, claim: 'turns off .NET event tracing, blinding security tools' },

  // cmd.exe built-ins.
  { id: 'cmd-recursive-dir', pattern: rx`(?:^|[&|"(/]|\s)(?:dir\s[^&|]{0,300}{-}s\b|tree\s[^&|]{0,300}{-}f\b)`, bins: ['cmd'], techniques: ['T1083'], weight: 0.4, claim: 'lists files recursively' },
  { id: 'cmd-bookmarks', pattern: rx`bookmarks|places\.sqlite|\\favorites\\`, bins: ['cmd', 'powershell', 'pwsh', 'findstr', 'type'], techniques: ['T1217'], weight: 1, claim: 'reads browser bookmarks' },
  { id: 'cmd-delete-tree', pattern: rx`(?:^|[&|"(]|\s)(?:rmdir|rd)\s[^&|]{0,300}{-}s\b|(?:^|[&|"(]|\s)(?:del|erase)\s[^&|]{0,300}{-}[fqs]\b`, bins: ['cmd'], techniques: ['T1070.004'], weight: 0.4, claim: 'deletes files or folders quietly' },
  { id: 'cmd-assoc-change', pattern: rx`\b(?:assoc|ftype)\s+\.?[\w.]+\s*=\s*\S`, bins: ['cmd'], techniques: ['T1546.001'], weight: 1.5, claim: 'changes a file-type association' },
  { id: 'cmd-assoc-list', pattern: rx`(?:^|[&|"(]|\s)(?:assoc|ftype)(?:\s*$|\s*["&|]|\s+\.?[\w]+\s*["&|]?\s*$)`, bins: ['cmd'], techniques: ['T1546.001'], weight: 0.2, claim: 'lists file-type associations' },
  { id: 'cmd-accessibility-swap', pattern: rx`(?:mklink|copy|move|xcopy|ren|rename)\b[^&|]{0,200}\\(?:sethc|utilman|osk|magnify|narrator|displayswitch|atbroker)\.exe|(?:mklink|copy|move)\b[^&|]{0,120}(?:sethc|utilman|osk|magnify|narrator)\.exe[^&|]{0,120}(?:cmd|powershell|explorer)\.exe`, bins: ['cmd'], techniques: ['T1546.008'], weight: 3, claim: 'replaces or links an accessibility program (logon-screen backdoor)' },
  { id: 'cmd-shadow-link', pattern: rx`mklink\b[^&|]{0,300}harddiskvolumeshadowcopy`, bins: ['cmd'], techniques: ['T1003.003'], weight: 2, claim: 'links a volume shadow copy to read locked files' },
  { id: 'cmd-shadow-copy-files', pattern: rx`(?:copy|xcopy|robocopy|esentutl)\b[^&|]{0,200}(?:harddiskvolumeshadowcopy|globalroot)[^&|]{0,200}(?:ntds\.dit|\\config\\(?:sam|system|security))`, bins: ['cmd', 'copy', 'xcopy', 'robocopy', 'esentutl', 'powershell', 'pwsh'], techniques: ['T1003.003', 'T1003.002'], weight: 3, claim: 'copies credential stores out of a volume shadow copy' },
  { id: 'cmd-admin-share-copy', pattern: /(?:copy|xcopy|robocopy|move)\b[^&|]{0,200}\\\\[\w.-]+\\(?:[a-z]\$|admin\$)\\/i, bins: ['cmd', 'xcopy', 'robocopy', 'powershell', 'pwsh'], techniques: ['T1570', 'T1021.002'], weight: 1.2, claim: 'copies files through an administrative share' },

  // Discovery.
  { id: 'whoami-detail', pattern: rx`\bwhoami(?:\.exe)?["']?\s+{-}(?:priv|groups|all|user|upn|fqdn|logonid)`, bins: ['whoami'], techniques: ['T1033', 'T1069.001'], weight: 0.7, claim: 'lists the current user, groups or privileges' },
  { id: 'whoami', pattern: /./, bins: ['whoami'], isFallback: true, techniques: ['T1033'], weight: 0.4, claim: 'asks who the current user is' },
  { id: 'hostname', pattern: /./, bins: ['hostname'], isFallback: true, techniques: ['T1082'], weight: 0.2, claim: 'reads the host name' },
  { id: 'systeminfo', pattern: /./, bins: ['systeminfo'], isFallback: true, techniques: ['T1082'], weight: 0.6, claim: 'collects system information' },
  { id: 'ipconfig-dns', pattern: rx`\bipconfig\b[^&|]{0,300}{-}displaydns`, bins: ['ipconfig'], techniques: ['T1016'], weight: 0.6, claim: 'dumps the DNS cache' },
  { id: 'ipconfig', pattern: /./, bins: ['ipconfig'], isFallback: true, techniques: ['T1016'], weight: 0.2, claim: 'lists network configuration' },
  { id: 'route-arp', pattern: rx`\b(?:route(?:\.exe)?["']?\s+print|arp(?:\.exe)?["']?\s+{-}a)\b`, bins: ['route', 'arp'], techniques: ['T1016', 'T1018'], weight: 0.4, claim: 'lists routes or neighbouring hosts' },
  { id: 'netstat', pattern: /./, bins: ['netstat'], isFallback: true, techniques: ['T1049'], weight: 0.3, claim: 'lists network connections' },
  { id: 'nbtstat', pattern: rx`\bnbtstat\b[^&|]{0,300}{-}[anrcs]\b`, bins: ['nbtstat'], techniques: ['T1018'], weight: 0.6, claim: 'queries NetBIOS names of hosts' },
  { id: 'nslookup-srv', pattern: rx`\bnslookup\b[^&|]{0,300}(?:{-}(?:q|querytype|type)=(?:srv|any|ns)|_ldap\.|_kerberos\.|_gc\.)`, bins: ['nslookup'], techniques: ['T1018'], weight: 0.8, claim: 'looks up domain controllers in DNS' },
  { id: 'quser', pattern: /./, bins: ['quser', 'qwinsta', 'query'], isFallback: true, techniques: ['T1033'], weight: 0.5, claim: 'lists logged-on users or sessions' },
  { id: 'tasklist-services', pattern: rx`\btasklist\b[^&|]{0,300}{-}svc`, bins: ['tasklist'], techniques: ['T1007', 'T1057'], weight: 0.5, claim: 'lists services in each process' },
  { id: 'tasklist', pattern: /./, bins: ['tasklist'], isFallback: true, techniques: ['T1057'], weight: 0.3, claim: 'lists running processes' },
  { id: 'process-list-filter', pattern: rx`(?:tasklist|wmic\s+process|get-process|qprocess|query\s+process)\b[^|]*\|\s*(?:findstr|find|select-string|sls)\b`, bins: ['tasklist', 'wmic', 'powershell', 'pwsh', 'qprocess', 'query', 'cmd'], techniques: ['T1057'], weight: 0.6, claim: 'searches the process list' },
  { id: 'findstr-security-products', pattern: new RegExp(`(?:findstr|find|select-string|sls)\\b[^&|]{0,80}(?:virus|defender|antimalware|malware|\\bedr\\b|falcon|${SECURITY_PRODUCTS})`, 'i'), bins: ['findstr', 'find', 'powershell', 'pwsh'], techniques: ['T1518.001'], weight: 1.2, claim: 'searches for security software' },
  { id: 'findstr-gpp', pattern: rx`\bcpassword\b`, bins: ['findstr', 'find', 'powershell', 'pwsh', 'cmd'], techniques: ['T1552.006'], weight: 2.5, claim: 'searches Group Policy files for stored passwords (cpassword)' },
  { id: 'findstr-passwords', pattern: rx`\b(?:findstr|find)\b[^&|]{0,80}(?:password|passwd|\bpwd\b|credential|\bpass=|\bpassw)`, bins: ['findstr', 'find', 'cmd'], techniques: ['T1552.001'], weight: 1.2, claim: 'searches files for passwords' },
  { id: 'findstr-acl-weakness', pattern: rx`\b(?:findstr|find)\b[^&|]{0,40}(?:"?everyone"?|\(f\)|\(m\)|\(w\)|builtin\\users|authenticated users)`, bins: ['findstr', 'find', 'cmd'], techniques: ['T1083', 'T1222.001'], weight: 0.6, claim: 'filters permission listings for weak access rights' },
  { id: 'icacls-grant', pattern: rx`\b(?:icacls|cacls)\b[^&|]{0,300}{-}(?:grant|g)\b[^&|]{0,300}(?:everyone|\*s-1-1-0|\busers\b|authenticated users|\*s-1-5-11)[^&|]{0,300}:\(?(?:\(?oi\)?\(?ci\)?)?\(?f\b`, bins: ['icacls', 'cacls'], techniques: ['T1222.001'], weight: 1.5, claim: 'grants everyone full control of a path' },
  { id: 'icacls-owner', pattern: rx`\b(?:icacls|cacls)\b[^&|]{0,300}{-}(?:setowner|reset|deny|grant)\b`, bins: ['icacls', 'cacls'], techniques: ['T1222.001'], weight: 0.8, claim: 'changes file permissions or ownership' },
  { id: 'icacls-list', pattern: /./, bins: ['icacls', 'cacls'], isFallback: true, techniques: ['T1083'], weight: 0.3, claim: 'lists file permissions' },
  { id: 'takeown', pattern: rx`\btakeown\b[^&|]{0,300}{-}f\b`, bins: ['takeown'], techniques: ['T1222.001'], weight: 1, claim: 'takes ownership of files' },
  { id: 'attrib-hide', pattern: rx`\battrib(?:\.exe)?["']?\s+[^&|]{0,300}\+[hs]\b`, bins: ['attrib'], techniques: ['T1564.001'], weight: 1, claim: 'marks files hidden or system' },
  { id: 'net-user-add', pattern: rx`\bnet1?(?:\.exe)?["']?\s+user\s+[^&|]{0,300}{-}add\b`, bins: ['net', 'net1'], techniques: ['T1136.001'], weight: 1.5, claim: 'creates a user account' },
  { id: 'net-user-add-domain', pattern: rx`\bnet1?(?:\.exe)?["']?\s+user\s+[^&|]{0,300}{-}add\b[^&|]{0,300}{-}dom(?:ain)?\b|\bnet1?(?:\.exe)?["']?\s+user\s+[^&|]{0,300}{-}dom(?:ain)?\b[^&|]{0,300}{-}add\b`, bins: ['net', 'net1'], techniques: ['T1136.002'], weight: 1, claim: 'creates a domain account' },
  { id: 'net-group-add-admin', pattern: rx`\bnet1?(?:\.exe)?["']?\s+(?:localgroup|group)\s+["']?(?:administrators|administrateurs|administradores|administratoren|remote desktop users|backup operators|domain admins|enterprise admins|schema admins)["']?\s+[^&|]{0,300}{-}add\b`, bins: ['net', 'net1'], techniques: ['T1098.007'], weight: 2, claim: 'adds an account to a privileged group' },
  { id: 'net-user-domain', pattern: rx`\bnet1?(?:\.exe)?["']?\s+user\b[^&|]{0,300}{-}dom(?:ain)?\b`, bins: ['net', 'net1'], techniques: ['T1087.002'], weight: 0.8, claim: 'lists domain accounts' },
  { id: 'net-user', pattern: rx`\bnet1?(?:\.exe)?["']?\s+users?\b`, bins: ['net', 'net1'], techniques: ['T1087.001'], weight: 0.5, claim: 'lists local accounts' },
  { id: 'net-group-domain', pattern: rx`\bnet1?(?:\.exe)?["']?\s+group\b[^&|]{0,300}{-}dom(?:ain)?\b`, bins: ['net', 'net1'], techniques: ['T1069.002'], weight: 0.8, claim: 'lists domain groups' },
  { id: 'net-localgroup', pattern: rx`\bnet1?(?:\.exe)?["']?\s+localgroup\b`, bins: ['net', 'net1'], techniques: ['T1069.001'], weight: 0.6, claim: 'lists local groups' },
  { id: 'net-accounts', pattern: rx`\bnet1?(?:\.exe)?["']?\s+accounts\b`, bins: ['net', 'net1'], techniques: ['T1201'], weight: 0.6, claim: 'reads the password policy' },
  { id: 'net-view', pattern: rx`\bnet1?(?:\.exe)?["']?\s+view\b`, bins: ['net', 'net1'], techniques: ['T1018', 'T1135'], weight: 0.6, claim: 'lists hosts or their shares' },
  { id: 'net-share', pattern: rx`\bnet1?(?:\.exe)?["']?\s+share\b`, bins: ['net', 'net1'], techniques: ['T1135'], weight: 0.5, claim: 'lists or creates network shares' },
  { id: 'net-session', pattern: rx`\bnet1?(?:\.exe)?["']?\s+(?:session|file)\b`, bins: ['net', 'net1'], techniques: ['T1049'], weight: 0.6, claim: 'lists SMB sessions' },
  { id: 'net-use-delete', pattern: rx`\bnet1?(?:\.exe)?["']?\s+use\b[^&|]{0,300}{-}del(?:ete)?\b`, bins: ['net', 'net1'], techniques: ['T1070.005'], weight: 0.8, claim: 'removes network share connections' },
  { id: 'net-use', pattern: rx`\bnet1?(?:\.exe)?["']?\s+use\s+[^&|]{0,300}\\\\`, bins: ['net', 'net1'], techniques: ['T1021.002'], weight: 0.3, claim: 'connects to a remote share' },
  { id: 'net-stop', pattern: rx`\bnet1?(?:\.exe)?["']?\s+stop\b`, bins: ['net', 'net1'], techniques: ['T1489'], weight: 0.5, claim: 'stops a service' },
  { id: 'net-time', pattern: rx`\bnet1?(?:\.exe)?["']?\s+time\b`, bins: ['net', 'net1'], techniques: ['T1124'], weight: 0.5, claim: 'reads the time of a host' },
  { id: 'net-user-activate', pattern: rx`\bnet1?(?:\.exe)?["']?\s+user\s+["']?(?:guest|administrator|defaultaccount)["']?\s+[^&|]{0,300}{-}active:\s*yes`, bins: ['net', 'net1'], techniques: ['T1078.001'], weight: 1.5, claim: 'enables a built-in default account' },
  { id: 'net-start-list', pattern: rx`\bnet1?(?:\.exe)?["']?\s+start\s*(?:["&|]|$)`, bins: ['net', 'net1'], techniques: ['T1007'], weight: 0.3, claim: 'lists running services' },
  { id: 'nslookup-txt', pattern: rx`\bnslookup\b[^&|]{0,300}{-}(?:q|querytype|type)=txt\b`, bins: ['nslookup'], techniques: ['T1071.004'], weight: 1, claim: 'queries DNS TXT records, a way to pull commands or data over DNS' },
  { id: 'reg-query-software', pattern: rx`\breg(?:\.exe)?["']?\s+query\b[^&|]{0,300}\\uninstall\b`, bins: ['reg'], techniques: ['T1518', 'T1012'], weight: 0.3, claim: 'lists installed software from the registry' },
  { id: 'ldap-export', pattern: rx`\b(?:ldifde|csvde)(?:\.exe)?["']?\s+[^&|]{0,300}{-}f\s`, bins: ['ldifde', 'csvde'], techniques: ['T1087.002'], weight: 1, claim: 'exports Active Directory objects to a file' },
  { id: 'nltest-trusts', pattern: rx`\bnltest\b[^&|]{0,300}{-}(?:domain_trusts|trusted_domains|all_trusts)`, bins: ['nltest'], techniques: ['T1482'], weight: 1.5, claim: 'lists domain trusts' },
  { id: 'nltest-dcs', pattern: rx`\bnltest\b[^&|]{0,300}{-}(?:dclist|dsgetdc|dcname)`, bins: ['nltest'], techniques: ['T1018'], weight: 1.2, claim: 'lists domain controllers' },
  { id: 'nltest', pattern: /./, bins: ['nltest'], isFallback: true, techniques: ['T1482', 'T1018'], weight: 0.8, claim: 'queries the domain with nltest' },
  { id: 'dsquery-trusts', pattern: rx`trusteddomain`, bins: ['dsquery', 'adfind', 'powershell', 'pwsh'], techniques: ['T1482'], weight: 2, claim: 'lists domain trusts over LDAP' },
  { id: 'dsquery-users', pattern: rx`\bdsquery\b[^&|]{0,300}\b(?:user|person)\b`, bins: ['dsquery'], techniques: ['T1087.002'], weight: 1, claim: 'lists domain users' },
  { id: 'dsquery-computers', pattern: rx`\bdsquery\b[^&|]{0,300}\b(?:computer|server)\b`, bins: ['dsquery'], techniques: ['T1018'], weight: 1, claim: 'lists domain computers' },
  { id: 'dsquery-groups', pattern: rx`\bdsquery\b[^&|]{0,300}\bgroup\b`, bins: ['dsquery'], techniques: ['T1069.002'], weight: 1, claim: 'lists domain groups' },
  { id: 'dsquery', pattern: /./, bins: ['dsquery', 'dsget'], isFallback: true, techniques: ['T1087.002'], weight: 0.6, claim: 'queries Active Directory' },
  { id: 'adfind-trusts', pattern: rx`\btrustdmp\b`, bins: ['adfind'], techniques: ['T1482'], weight: 2, claim: 'dumps domain trusts with AdFind' },
  { id: 'adfind-computers', pattern: rx`objectcategory=computer|{-}sc\s+(?:computers?|dclist)\b|{-}f\s+["']?\(?objectcategory=computer`, bins: ['adfind'], techniques: ['T1018'], weight: 1.5, claim: 'lists domain computers with AdFind' },
  { id: 'adfind-users', pattern: rx`objectcategory=(?:person|user)|objectclass=user|{-}sc\s+(?:u:|users?|admincountdmp)`, bins: ['adfind'], techniques: ['T1087.002'], weight: 1.5, claim: 'lists domain users with AdFind' },
  { id: 'adfind-groups', pattern: rx`objectcategory=group|{-}sc\s+(?:g:|groups?)`, bins: ['adfind'], techniques: ['T1069.002'], weight: 1.5, claim: 'lists domain groups with AdFind' },
  { id: 'adfind-subnets', pattern: rx`\bsubnets\b|{-}sc\s+(?:dcmodes|sitedmp)`, bins: ['adfind'], techniques: ['T1016'], weight: 1.2, claim: 'lists AD sites and subnets with AdFind' },
  { id: 'adfind-password-policy', pattern: rx`lockoutduration|lockoutthreshold|pwdhistorylength|minpwdlength|maxpwdage`, bins: ['adfind', 'dsquery', 'powershell', 'pwsh'], techniques: ['T1201'], weight: 1.2, claim: 'reads the domain password policy' },
  { id: 'setspn-query', pattern: rx`\bsetspn\b[^&|]{0,300}{-}[qt]\b`, bins: ['setspn'], techniques: ['T1558.003', 'T1087.002'], weight: 1.5, claim: 'lists service principal names, a Kerberoasting step' },
  { id: 'klist-purge', pattern: rx`\bklist\b[^&|]{0,300}\bpurge\b`, bins: ['klist'], techniques: ['T1550.003'], weight: 0.8, claim: 'purges cached Kerberos tickets' },
  { id: 'gpresult', pattern: rx`\bgpresult\b[^&|]{0,300}{-}(?:z|v|r|scope|h|x)\b`, bins: ['gpresult'], techniques: ['T1615'], weight: 0.6, claim: 'reads applied Group Policy' },
  { id: 'gpresult-any', pattern: /./, bins: ['gpresult'], isFallback: true, techniques: ['T1615'], weight: 0.4, claim: 'reads applied Group Policy' },
  { id: 'chcp', pattern: /./, bins: ['chcp'], isFallback: true, techniques: ['T1614.001'], weight: 0.3, claim: 'reads or sets the console code page (system language)' },
  { id: 'driverquery', pattern: /./, bins: ['driverquery'], isFallback: true, techniques: ['T1652'], weight: 0.5, claim: 'lists installed drivers' },
  { id: 'clip', pattern: /./, bins: ['clip'], isFallback: true, techniques: ['T1115'], weight: 0.4, claim: 'copies data to the clipboard' },
  { id: 'reg-query-credentials', pattern: rx`\breg(?:\.exe)?["']?\s+query\b[^&|]{0,300}(?:{-}f\s+["']?pass\w*[^&|]{0,300}{-}s|winlogon|putty\\sessions|realvnc|tightvnc|\\snmp\b|ultravnc|orl\\winvnc3)`, bins: ['reg'], techniques: ['T1552.002'], weight: 1.8, claim: 'searches the registry for stored passwords' },
  { id: 'reg-query-system', pattern: rx`\breg(?:\.exe)?["']?\s+query\b[^&|]{0,300}(?:\\windows nt\\currentversion(?:["'\s]|$)|currentbuild|productname|installdate|systeminformation|hardware\\description|\\bios\b|systembiosversion|systemmanufacturer)`, bins: ['reg'], techniques: ['T1082', 'T1012'], weight: 0.6, claim: 'reads system information from the registry' },
  { id: 'reg-query-security', pattern: rx`\breg(?:\.exe)?["']?\s+query\b[^&|]{0,300}(?:windows defender|security center|\\sysmon|\\services\\(?:windefend|sense|csagent))`, bins: ['reg'], techniques: ['T1518.001', 'T1012'], weight: 1, claim: 'reads security product settings from the registry' },
  { id: 'reg-query', pattern: rx`\breg(?:\.exe)?["']?\s+query\b`, bins: ['reg'], techniques: ['T1012'], weight: 0.3, claim: 'reads the registry' },
  { id: 'recon-wmic-av', pattern: rx`securitycenter2?[^&|]{0,300}antivirusproduct|antivirusproduct`, bins: ['wmic', 'powershell', 'pwsh'], techniques: ['T1518.001'], weight: 1, claim: 'lists installed antivirus products' },
  { id: 'dtrace-kernel-dump', pattern: rx`\blkd\s*\(`, bins: ['dtrace'], techniques: ['T1082'], weight: 1.5, claim: 'takes a live kernel memory dump with DTrace' },

  // WMIC.
  { id: 'wmic-process-create', pattern: rx`\bprocess\b[^&|]{0,300}\bcall\s+create\b`, bins: ['wmic'], techniques: ['T1047'], weight: 1.5, claim: 'starts a process through WMI' },
  { id: 'wmic-remote', pattern: rx`{-}node:\s*["']?(?!["']?(?:127\.0\.0\.1|localhost|\.)["']?\s)[\w.-]+`, bins: ['wmic'], techniques: ['T1047'], weight: 0.8, claim: 'runs WMI against another host' },
  { id: 'wmic-shadow-delete', pattern: rx`\bshadowcopy\b[^&|]{0,300}\bdelete\b`, bins: ['wmic'], techniques: ['T1490'], weight: 3, claim: 'deletes volume shadow copies' },
  { id: 'wmic-shadow-create', pattern: rx`\bshadowcopy\b[^&|]{0,300}\bcall\s+create\b`, bins: ['wmic'], techniques: ['T1003.003'], weight: 1.5, claim: 'creates a shadow copy, often to copy ntds.dit or SAM' },
  { id: 'wmic-process-list', pattern: rx`\bprocess\b[^&|]{0,300}\b(?:get|list)\b`, bins: ['wmic'], techniques: ['T1057', 'T1047'], weight: 0.5, claim: 'lists processes through WMI' },
  { id: 'wmic-process-terminate', pattern: rx`\bprocess\b[^&|]{0,300}\bcall\s+terminate\b|\bprocess\b[^&|]{0,300}\bdelete\b`, bins: ['wmic'], techniques: ['T1489', 'T1047'], weight: 0.8, claim: 'terminates processes through WMI' },
  { id: 'wmic-useraccount', pattern: rx`\b(?:useraccount|sysaccount)\b`, bins: ['wmic'], techniques: ['T1087.001', 'T1047'], weight: 0.7, claim: 'lists user accounts through WMI' },
  { id: 'wmic-group', pattern: rx`\bgroup\b[^&|]{0,300}\b(?:get|list)\b`, bins: ['wmic'], techniques: ['T1069.001', 'T1047'], weight: 0.7, claim: 'lists local groups through WMI' },
  { id: 'wmic-qfe', pattern: rx`\bqfe\b`, bins: ['wmic'], techniques: ['T1082', 'T1047'], weight: 0.5, claim: 'lists installed hotfixes' },
  { id: 'wmic-system-info', pattern: rx`\b(?:os|computersystem|csproduct|bios|baseboard|logicaldisk|volume|diskdrive|cpu|memorychip|environment|startup|timezone|nteventlog|partition)\b[^&|]{0,300}\b(?:get|list)\b`, bins: ['wmic'], techniques: ['T1082', 'T1047'], weight: 0.5, claim: 'collects system information through WMI' },
  { id: 'wmic-network-info', pattern: rx`\b(?:nicconfig|nic|netuse|share|ntdomain)\b[^&|]{0,300}\b(?:get|list)\b`, bins: ['wmic'], techniques: ['T1016', 'T1047'], weight: 0.5, claim: 'collects network information through WMI' },
  { id: 'wmic-service-list', pattern: rx`\bservice\b[^&|]{0,300}\b(?:get|list)\b|\bservice\s+where\b(?![^&|]{0,300}\bcall\b)`, bins: ['wmic'], techniques: ['T1007', 'T1047'], weight: 0.5, claim: 'lists services through WMI' },
  { id: 'wmic-unquoted-path', pattern: rx`\bservice\b[^&|]{0,300}\bpathname\b`, bins: ['wmic'], techniques: ['T1574.009', 'T1047'], weight: 0.8, claim: 'lists service paths, a check for unquoted service paths' },
  { id: 'wmic-service-control', pattern: rx`\bservice\b[^&|]{0,300}\bcall\s+(?:stopservice|startservice|changestartmode|delete|create)\b`, bins: ['wmic'], techniques: ['T1489', 'T1047'], weight: 1, claim: 'starts, stops or changes a service through WMI' },
  { id: 'wmic-product-list', pattern: rx`\bproduct\b(?![^&|]{0,300}\bcall\b)`, bins: ['wmic'], techniques: ['T1518', 'T1047'], weight: 0.5, claim: 'lists installed software' },
  { id: 'wmic-product-uninstall', pattern: rx`\bproduct\b[^&|]{0,300}\bcall\s+uninstall\b`, bins: ['wmic'], techniques: ['T1047', 'T1489'], weight: 1.2, claim: 'uninstalls software through WMI' },
  { id: 'wmic-eventlog-clear', pattern: rx`\bnteventlog\b[^&|]{0,300}\bcleareventlog\b`, bins: ['wmic'], techniques: ['T1070.001'], weight: 2.5, claim: 'clears event logs through WMI' },
  { id: 'wmic-xsl', pattern: rx`{-}format:\s*["']?(?:https?://|\\\\|[^"'\s]*\.xsl)`, bins: ['wmic'], techniques: ['T1220'], weight: 2.5, claim: 'runs script in an XSL stylesheet' },
  { id: 'wmic', pattern: /\bwmic(?:\.exe)?\b/i, bins: ['wmic'], techniques: ['T1047'], weight: 0.2, claim: 'uses WMI through wmic' },

  // Shadow copies, backups, logs and boot configuration.
  { id: 'vssadmin-delete', pattern: rx`\bdelete\s+shadows\b`, bins: ['vssadmin'], techniques: ['T1490'], weight: 3, claim: 'deletes volume shadow copies' },
  { id: 'vssadmin-resize', pattern: rx`\bresize\s+shadowstorage\b`, bins: ['vssadmin'], techniques: ['T1490'], weight: 2.5, claim: 'shrinks shadow copy storage, deleting copies' },
  { id: 'vssadmin-create', pattern: rx`\bcreate\s+shadow\b`, bins: ['vssadmin'], techniques: ['T1003.003'], weight: 1.5, claim: 'creates a shadow copy, often to copy ntds.dit or SAM' },
  { id: 'wbadmin-delete', pattern: rx`\bdelete\s+(?:catalog|systemstatebackup|backup)\b`, bins: ['wbadmin'], techniques: ['T1490'], weight: 3, claim: 'deletes Windows backups' },
  { id: 'bcdedit-recovery', pattern: rx`recoveryenabled\s+(?:no|off|0|false)|bootstatuspolicy\s+ignoreallfailures`, bins: ['bcdedit'], techniques: ['T1490'], weight: 3, claim: 'turns off Windows recovery' },
  { id: 'bcdedit-safeboot', pattern: rx`\bsafeboot\b`, bins: ['bcdedit'], techniques: ['T1562.009'], weight: 2, claim: 'forces a Safe Mode boot' },
  { id: 'bcdedit-signing', pattern: rx`(?:testsigning|nointegritychecks)\s+(?:on|yes)|loadoptions\s+disable_integrity_checks`, bins: ['bcdedit'], techniques: ['T1553.006'], weight: 2, claim: 'turns off driver signature enforcement' },
  { id: 'wevtutil-clear', pattern: rx`\bwevtutil(?:\.exe)?["']?\s+(?:cl|clear-log)\b`, bins: ['wevtutil'], techniques: ['T1070.001'], weight: 2.5, claim: 'clears an event log' },
  { id: 'wevtutil-disable', pattern: rx`\bwevtutil(?:\.exe)?["']?\s+(?:sl|set-log)\b[^&|]{0,300}{-}e(?:nabled)?:(?:false|0)`, bins: ['wevtutil'], techniques: ['T1562.002'], weight: 2.5, claim: 'disables an event log' },
  { id: 'wevtutil-query', pattern: rx`\bwevtutil(?:\.exe)?["']?\s+(?:qe|query-events)\b`, bins: ['wevtutil'], techniques: ['T1654'], weight: 0.5, claim: 'reads event log entries' },
  { id: 'auditpol-disable', pattern: rx`\bauditpol\b[^&|]{0,300}{-}(?:clear|remove)\b|\bauditpol\b[^&|]{0,300}{-}set\b[^&|]{0,300}{-}(?:success|failure):\s*disable`, bins: ['auditpol'], techniques: ['T1562.002'], weight: 2.5, claim: 'turns off Windows auditing' },
  { id: 'logman-stop', pattern: rx`\blogman\b[^&|]{0,300}\b(?:stop|delete|update)\b[^&|]{0,300}(?:eventlog-|defender|sysmon|diagtrack|microsoft-windows-threat)`, bins: ['logman'], techniques: ['T1562.002'], weight: 2.5, claim: 'stops an event-tracing session security tools read' },
  { id: 'fsutil-usn', pattern: rx`\busn\s+deletejournal\b`, bins: ['fsutil'], techniques: ['T1070'], weight: 2, claim: 'deletes the NTFS change journal' },
  { id: 'fsutil-zero', pattern: rx`\bfile\s+setzerodata\b`, bins: ['fsutil'], techniques: ['T1485'], weight: 2, claim: 'overwrites file data with zeros' },
  { id: 'cipher-wipe', pattern: rx`\bcipher(?:\.exe)?["']?\s+[^&|]{0,300}{-}w:`, bins: ['cipher'], techniques: ['T1485', 'T1070.004'], weight: 2, claim: 'wipes free disk space, destroying deleted data' },
  { id: 'fltmc-unload', pattern: rx`\bfltmc\b[^&|]{0,300}\b(?:unload|detach)\b`, bins: ['fltmc'], techniques: ['T1562.001'], weight: 2.5, claim: 'unloads a file-system filter driver (security sensor)' },
  { id: 'sysmon-uninstall', pattern: rx`\bsysmon(?:64)?(?:\.exe)?["']?\s+{-}u\b`, bins: ['sysmon', 'sysmon64'], techniques: ['T1562.001'], weight: 2.5, claim: 'uninstalls Sysmon' },
  { id: 'mpcmdrun-remove', pattern: rx`{-}removedefinitions\b|{-}disableservice\b`, bins: ['mpcmdrun'], techniques: ['T1562.001'], weight: 2.5, claim: 'removes Defender signatures' },
  { id: 'mpcmdrun-download', pattern: rx`{-}downloadfile\b[^&|]{0,300}{-}url\b`, bins: ['mpcmdrun'], techniques: ['T1105'], weight: 2.5, claim: 'downloads a file with the Defender command-line tool' },
  { id: 'dism-defender', pattern: rx`{-}(?:disable-feature|remove-package|remove-capability)\b[^&|]{0,300}(?:defender|windowsdefender)`, bins: ['dism'], techniques: ['T1562.001'], weight: 2.5, claim: 'removes Microsoft Defender from Windows' },
  { id: 'dism-remove', pattern: rx`{-}(?:disable-feature|remove-package)\b`, bins: ['dism'], techniques: ['T1562.001'], weight: 0.6, claim: 'removes a Windows feature or package' },
  { id: 'shutdown-now', pattern: rx`\bshutdown(?:\.exe)?["']?\s+[^&|]{0,300}{-}[rsp]\b[^&|]{0,300}{-}t\s+0\b`, bins: ['shutdown'], techniques: ['T1529'], weight: 0.8, claim: 'shuts the host down immediately' },
  { id: 'taskkill', pattern: /./, bins: ['taskkill'], isFallback: true, techniques: ['T1489'], weight: 0.3, claim: 'kills processes' },
  { id: 'del-logs', pattern: rx`(?:del|erase|remove-item|ri)\b[^&|;]{0,300}\.evtx\b|winevt\\logs\\[^&|]{0,300}\*`, bins: ['cmd', 'powershell', 'pwsh'], techniques: ['T1070.001'], weight: 2, claim: 'deletes event log files' },

  // Scheduled tasks and services.
  { id: 'schtasks-create-suspicious', pattern: new RegExp(`[-/]create\\b[^&|]{0,400}(?:${STAGING}|powershell|pwsh|mshta|rundll32|regsvr32|wscript|cscript|cmd(?:\\.exe)?\\s+/c|certutil|bitsadmin|https?://|\\\\\\\\)`, 'i'), bins: ['schtasks'], techniques: ['T1053.005'], weight: 1.5, claim: 'creates a scheduled task that runs a script host or a staged file' },
  { id: 'schtasks-create', pattern: rx`{-}create\b`, bins: ['schtasks'], techniques: ['T1053.005'], weight: 0.5, claim: 'creates a scheduled task' },
  { id: 'schtasks-remote', pattern: rx`{-}create\b[^&|]{0,300}{-}s\s+\S|{-}s\s+\S+[^&|]{0,300}{-}create\b`, bins: ['schtasks'], techniques: ['T1053.005'], weight: 0.6, claim: 'creates a scheduled task on another host' },
  { id: 'schtasks-system-task-off', pattern: rx`{-}(?:delete|change)\b[^&|]{0,300}{-}tn\s+["']?\\?microsoft\\windows\\|{-}tn\s+["']?\\?microsoft\\windows\\[^&|]{0,300}{-}(?:delete|disable)\b`, bins: ['schtasks'], techniques: ['T1489'], weight: 1.5, claim: 'deletes or disables a built-in Windows scheduled task' },
  { id: 'schtasks-restore-off', pattern: rx`{-}(?:delete|change)\b[^&|]{0,300}\\(?:systemrestore|windowsbackup)\\|\\(?:systemrestore|windowsbackup)\\[^&|]{0,300}{-}(?:delete|disable)\b`, bins: ['schtasks'], techniques: ['T1490'], weight: 1, claim: 'disables the System Restore or backup task' },
  { id: 'schtasks-defender-off', pattern: rx`{-}(?:delete|change)\b[^&|]{0,300}\\(?:windows defender|exploitguard)\\|\\(?:windows defender|exploitguard)\\[^&|]{0,300}{-}(?:delete|disable)\b`, bins: ['schtasks'], techniques: ['T1562.001'], weight: 1.5, claim: 'disables a Microsoft Defender scheduled task' },
  { id: 'schtasks-run', pattern: rx`{-}run\b`, bins: ['schtasks'], techniques: ['T1053.005'], weight: 0.4, claim: 'runs a scheduled task' },
  { id: 'schtasks', pattern: /./, bins: ['schtasks'], isFallback: true, techniques: ['T1053.005'], weight: 0.1, claim: 'manages scheduled tasks' },
  { id: 'at-job', pattern: rx`\bat(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?\d{1,2}:\d{2}`, bins: ['at'], techniques: ['T1053.002'], weight: 1, claim: 'schedules a job with at' },
  { id: 'sc-create-suspicious', pattern: new RegExp(`\\bsc(?:\\.exe)?["']?\\s+(?:\\\\\\\\\\S+\\s+)?(?:create|config)\\s+[^&|]{0,300}binpath=\\s*["']?[^"']{0,300}(?:${STAGING}|cmd(?:\\.exe)?\\s+/[ck]|%comspec%|powershell|mshta|rundll32|regsvr32)`, 'i'), bins: ['sc'], techniques: ['T1543.003'], weight: 1.8, claim: 'points a service at a script host or a staged file' },
  { id: 'sc-create', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?create\s`, bins: ['sc'], techniques: ['T1543.003'], weight: 1, claim: 'creates a Windows service' },
  { id: 'sc-remote', pattern: rx`\bsc(?:\.exe)?["']?\s+\\\\[\w.-]+\s+(?:create|config|start)\b`, bins: ['sc'], techniques: ['T1569.002', 'T1021.002'], weight: 1.2, claim: 'creates or starts a service on another host' },
  { id: 'sc-binpath', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?config\s+\S+\s+[^&|]{0,300}binpath=`, bins: ['sc'], techniques: ['T1543.003', 'T1574.011'], weight: 1.2, claim: 'changes the program of an existing service' },
  { id: 'sc-disable', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?config\s+\S+\s+[^&|]{0,300}start=\s*disabled`, bins: ['sc'], techniques: ['T1489'], weight: 0.8, claim: 'disables a service' },
  { id: 'sc-stop', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?stop\s`, bins: ['sc'], techniques: ['T1489'], weight: 0.5, claim: 'stops a service' },
  { id: 'sc-delete', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?delete\s`, bins: ['sc'], techniques: ['T1489'], weight: 0.5, claim: 'deletes a service' },
  { id: 'sc-sdset', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?sdset\s`, bins: ['sc'], techniques: ['T1564', 'T1543.003'], weight: 2, claim: 'rewrites a service security descriptor, which can hide it' },
  { id: 'sc-failure', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?failure\s[^&|]{0,300}command=`, bins: ['sc'], techniques: ['T1543.003'], weight: 1.5, claim: 'sets a command to run when a service fails' },
  { id: 'sc-query', pattern: rx`\bsc(?:\.exe)?["']?\s+(?:\\\\\S+\s+)?(?:query|queryex|qc)\b`, bins: ['sc'], techniques: ['T1007'], weight: 0.2, claim: 'lists services' },

  // Registry tool.
  { id: 'reg-save-hives', pattern: rx`\breg(?:\.exe)?["']?\s+(?:save|export)\s+["']?(?:hklm|hkey_local_machine)\\(?:sam|system|security)\b`, bins: ['reg'], techniques: ['T1003.002', 'T1003.004'], weight: 3, claim: 'saves the SAM, SYSTEM or SECURITY hive (offline credential theft)' },
  { id: 'reg-modify', pattern: rx`\breg(?:\.exe)?["']?\s+(?:add|delete|import|copy|restore|load)\s`, bins: ['reg'], techniques: ['T1112'], weight: 0.3, claim: 'modifies the registry with reg.exe' },
  { id: 'regedit-import', pattern: rx`\bregedit(?:\.exe)?["']?\s+[^&|]{0,300}{-}s\s`, bins: ['regedit'], techniques: ['T1112'], weight: 1, claim: 'silently imports a .reg file' },

  // Credentials.
  { id: 'ntdsutil-ifm', pattern: rx`\bifm\b|\bac\s+i\s+ntds\b|activate\s+instance\s+ntds|create\s+full\b|\bsnapshot\b`, bins: ['ntdsutil'], techniques: ['T1003.003'], weight: 3, claim: 'copies the Active Directory database with ntdsutil' },
  { id: 'diskshadow-script', pattern: rx`\bdiskshadow(?:\.exe)?["']?\s+[^&|]{0,300}{-}s\s`, bins: ['diskshadow'], techniques: ['T1003.003'], weight: 1.5, claim: 'runs a diskshadow script (shadow copy manipulation)' },
  { id: 'esentutl-copy-secrets', pattern: rx`(?:ntds\.dit|\\config\\(?:sam|system|security)\b|webcache\w*\.dat|\\cookies\b|\\login data\b)`, bins: ['esentutl'], techniques: ['T1003.003', 'T1003.002', 'T1539'], weight: 2.5, claim: 'copies a locked credential or browser database with esentutl' },
  { id: 'esentutl-vss', pattern: rx`{-}vss\b`, bins: ['esentutl'], techniques: ['T1003.003'], weight: 2, claim: 'copies a locked file through a shadow copy with esentutl' },
  { id: 'esentutl-remote-copy', pattern: rx`{-}y\s+["']?(?:\\\\|https?://)`, bins: ['esentutl'], techniques: ['T1105'], weight: 1.5, claim: 'copies a file from a remote location with esentutl' },
  { id: 'procdump-process', pattern: rx`{-}(?:ma|mm|mp)\b`, bins: ['procdump', 'procdump64', 'procdump64a'], techniques: ['T1003'], weight: 0.8, claim: 'writes a full process memory dump' },
  { id: 'memory-dump-tools', pattern: rx`\b(?:rdrleakdiag\b[^&|]{0,300}{-}fullmemdmp|sqldumper(?:\.exe)?["']?\s+\d+\s+0\s+0x0?1100|createdump(?:\.exe)?["']?\s+[^&|]{0,300}{-}(?:f|full|u)\b|dumpminitool\b[^&|]{0,300}{-}file\b|tttracer\b[^&|]{0,300}{-}dumpfull)`, bins: ['rdrleakdiag', 'sqldumper', 'createdump', 'dumpminitool', 'tttracer'], techniques: ['T1003.001'], weight: 2.5, claim: 'dumps process memory with a signed Windows or SQL tool' },
  { id: 'cmdkey-list', pattern: rx`\bcmdkey(?:\.exe)?["']?\s+{-}l(?:ist)?\b`, bins: ['cmdkey'], techniques: ['T1555.004', 'T1003.005'], weight: 1, claim: 'lists saved Windows credentials' },
  { id: 'cmdkey-add', pattern: rx`\bcmdkey(?:\.exe)?["']?\s+{-}(?:add|generic):`, bins: ['cmdkey'], techniques: ['T1555.004', 'T1003.005'], weight: 1, claim: 'stores credentials in the Windows Credential Manager' },
  { id: 'cmdkey-rdp', pattern: rx`\bcmdkey\b[^&|]{0,300}termsrv/`, bins: ['cmdkey'], techniques: ['T1021.001'], weight: 0.5, claim: 'stores Remote Desktop credentials' },
  { id: 'vaultcmd-list', pattern: rx`\bvaultcmd\b[^&|]{0,300}{-}list`, bins: ['vaultcmd'], techniques: ['T1555.004'], weight: 1.5, claim: 'lists Windows Vault credentials' },
  { id: 'keymgr', pattern: rx`keymgr(?:\.dll)?["']?\s*,\s*krshowkeymgr`, bins: ['rundll32'], techniques: ['T1555.004'], weight: 1.5, claim: 'opens the stored user names and passwords dialog' },
  { id: 'netsh-wlan-keys', pattern: rx`\bwlan\s+(?:show|export)\s+profiles?\b[^&|]{0,300}key\s*=\s*clear`, bins: ['netsh'], techniques: ['T1555'], weight: 1.5, claim: 'reveals saved Wi-Fi passwords' },
  { id: 'runas-savecred', pattern: rx`\brunas(?:\.exe)?["']?\s+[^&|]{0,300}{-}savecred\b`, bins: ['runas'], techniques: ['T1078'], weight: 1, claim: 'runs a program with saved credentials' },
  { id: 'runas-netonly', pattern: rx`\brunas(?:\.exe)?["']?\s+[^&|]{0,300}{-}netonly\b`, bins: ['runas'], techniques: ['T1134.002'], weight: 0.6, claim: 'runs a program with other network credentials' },
  { id: 'certutil-export-key', pattern: rx`{-}exportpfx\b|{-}(?:privatekey|p)\s+\S+[^&|]{0,300}{-}exportpfx`, bins: ['certutil'], techniques: ['T1552.004'], weight: 1.5, claim: 'exports a certificate with its private key' },

  // Downloads and ingress tool transfer.
  { id: 'certutil-download', pattern: rx`{-}(?:urlcache|verifyctl|url)\b[^&|]{0,300}(?:https?|ftp)://|(?:https?|ftp)://[^&|]{0,300}{-}(?:urlcache|verifyctl)\b`, bins: ['certutil'], techniques: ['T1105'], weight: 2, claim: 'downloads a file with certutil' },
  { id: 'certutil-decode', pattern: rx`{-}decode(?:hex)?\b`, bins: ['certutil'], techniques: ['T1140', 'T1027.013'], weight: 1.5, claim: 'decodes a Base64 or hex encoded file' },
  { id: 'certutil-encode', pattern: rx`{-}encode(?:hex)?\b`, bins: ['certutil'], techniques: ['T1027.013', 'T1132.001'], weight: 1, claim: 'encodes a file to Base64' },
  { id: 'certutil-encode-staging', pattern: new RegExp(`[-/]encode(?:hex)?\\b[^&|]{0,300}(?:${STAGING}|\\.(?:exe|dll|ps1|bat|vbs|js|hta|zip|7z|rar|dmp)\\b)`, 'i'), bins: ['certutil'], techniques: ['T1027.013'], weight: 0.8, claim: 'encodes an executable, script, archive or staged file' },
  { id: 'certutil-root-ca', pattern: rx`{-}addstore\b[^&|]{0,300}\broot\b`, bins: ['certutil'], techniques: ['T1553.004'], weight: 2, claim: 'installs a trusted root certificate' },
  { id: 'certutil-ntlm-coerce', pattern: rx`{-}(?:syncwithwu|verifyctl|urlcache|url)\b[^&|]{0,300}\\\\[\w.-]+\\`, bins: ['certutil'], techniques: ['T1187', 'T1218'], weight: 1.5, claim: 'points certutil at a remote share, which can leak NTLM credentials' },
  { id: 'certutil-ads', pattern: rx`{-}(?:urlcache|decode|encode)\b[^&|]{0,300}\.\w{2,5}:\w+`, bins: ['certutil'], techniques: ['T1564.004'], weight: 2, claim: 'writes into an alternate data stream' },
  { id: 'bitsadmin-notify', pattern: rx`{-}setnotifycmdline\b`, bins: ['bitsadmin'], techniques: ['T1197'], weight: 2.5, claim: 'sets a command a BITS job runs when it finishes (persistence)' },
  { id: 'bitsadmin-transfer', pattern: rx`{-}(?:transfer|addfile|download|create)\b`, bins: ['bitsadmin'], techniques: ['T1197', 'T1105'], weight: 1.5, claim: 'downloads a file with a BITS job' },
  { id: 'bitsadmin-staging', pattern: new RegExp(`[-/](?:transfer|addfile)\\b[^&|]{0,300}(?:${STAGING}|\\.(?:exe|dll|ps1|bat|vbs|js|hta|scr)\\b)`, 'i'), bins: ['bitsadmin'], techniques: ['T1105'], weight: 0.7, claim: 'downloads an executable or script into a staging folder' },
  { id: 'bitsadmin', pattern: /./, bins: ['bitsadmin'], isFallback: true, techniques: ['T1197'], weight: 0.4, claim: 'manages BITS jobs' },
  { id: 'curl-download', pattern: rx`\s-o\s*["']?[^\s"']{1,300}|\s--output\b|\s--remote-name\b|\s--create-dirs\b|\s>\s*\S`, bins: ['curl', 'wget'], techniques: ['T1105'], weight: 1, claim: 'downloads a file' },
  { id: 'curl-upload', pattern: rx`\s{-}(?:d|F|T)\s+["']?[^"'\s]*@|{-}{-}(?:data(?:-binary|-raw)?|form)\s+["']?[^"'\s]*@|{-}{-}upload-file\b|\s{-}T\s`, bins: ['curl', 'wget'], techniques: ['T1048.003', 'T1567'], weight: 1.5, claim: 'uploads a local file' },
  { id: 'curl-insecure', pattern: rx`\s{-}k\b|{-}{-}insecure\b|{-}{-}proxy-insecure\b|{-}{-}no-check-certificate\b`, bins: ['curl', 'wget'], techniques: [], weight: 0.3, claim: 'skips TLS certificate checks' },
  { id: 'curl-user-agent', pattern: rx`\s{-}A\s|{-}{-}user-agent\b|{-}H\s+["']?user-agent:`, bins: ['curl', 'wget'], techniques: ['T1071.001'], weight: 0.5, claim: 'sends a custom user agent' },
  { id: 'curl-cookies', pattern: rx`{-}{-}cookie(?:-jar)?\b|\s{-}[bc]\s`, bins: ['curl', 'wget'], techniques: ['T1539'], weight: 0.5, claim: 'sends or stores web session cookies' },
  { id: 'curl-proxy', pattern: rx`\s{-}x\s|{-}{-}(?:proxy|socks\d\w*)\b`, bins: ['curl', 'wget'], techniques: ['T1090'], weight: 0.4, claim: 'goes through a proxy' },
  { id: 'curl-local-file', pattern: rx`file:///`, bins: ['curl', 'wget'], techniques: ['T1005'], weight: 0.6, claim: 'reads a local file through a file:// URL' },
  { id: 'curl-risky-file', pattern: new RegExp(`(?:\\s(?:-o|--output)\\s+["']?[^"'\\s]*(?:${STAGING}|\\.(?:exe|dll|ps1|hta|vbs|js|bat|scr|msi)\\b)|https?://[^"'\\s]{1,300}\\.(?:exe|dll|ps1|hta|vbs|js|bat|scr|msi)(?:["'\\s]|$))`, 'i'), bins: ['curl', 'wget'], techniques: ['T1105'], weight: 0.6, claim: 'fetches an executable or script, or saves into a staging folder' },
  { id: 'curl', pattern: /(?:https?|ftp):\/\//i, bins: ['curl', 'wget'], isFallback: true, techniques: ['T1105'], weight: 0.3, claim: 'requests a URL' },
  { id: 'finger-download', pattern: rx`\bfinger(?:\.exe)?["']?\s+\S*@`, bins: ['finger'], techniques: ['T1105'], weight: 2, claim: 'fetches text from a finger server, a known download trick' },
  { id: 'finger', pattern: /./, bins: ['finger'], isFallback: true, techniques: ['T1105'], weight: 1, claim: 'runs finger, a legacy tool now mostly abused for downloads' },
  { id: 'ftp-script', pattern: rx`\bftp(?:\.exe)?["']?\s+[^&|]{0,300}{-}s:`, bins: ['ftp'], techniques: ['T1202', 'T1105'], weight: 1.5, claim: 'runs an ftp command script' },
  { id: 'tftp-get', pattern: rx`\btftp(?:\.exe)?["']?\s+[^&|]{0,300}{-}i\s[^&|]{0,300}\bget\b`, bins: ['tftp'], techniques: ['T1105'], weight: 1.5, claim: 'downloads a file over TFTP' },
  { id: 'certreq-post', pattern: rx`{-}post\b[^&|]{0,300}{-}config\s+["']?https?://`, bins: ['certreq'], techniques: ['T1105', 'T1048'], weight: 2, claim: 'sends or fetches a file over HTTP with certreq' },
  { id: 'desktopimgdownldr', pattern: rx`{-}lockscreenurl:\s*https?://`, bins: ['desktopimgdownldr'], techniques: ['T1105'], weight: 2.5, claim: 'downloads a file through the lock-screen image downloader' },
  { id: 'remote-expand', pattern: rx`\b(?:expand|extrac32|replace|makecab)(?:\.exe)?["']?\s+[^&|]{0,300}\\\\[\w.-]+\\`, bins: ['expand', 'extrac32', 'replace', 'makecab'], techniques: ['T1105'], weight: 1.2, claim: 'copies a file from a remote share with a Windows utility' },
  { id: 'ieexec-url', pattern: rx`https?://`, bins: ['ieexec'], techniques: ['T1105', 'T1218'], weight: 2, claim: 'runs a .NET program straight from a URL' },
  { id: 'browser-headless', pattern: rx`{-}{-}headless\b`, bins: BROWSERS, techniques: ['T1564.003'], weight: 1, claim: 'runs the browser without a window' },
  { id: 'browser-dump-dom', pattern: rx`{-}{-}dump-dom\b[^&|]{0,300}https?://|https?://[^&|]{0,300}{-}{-}dump-dom\b`, bins: BROWSERS, techniques: ['T1105'], weight: 1.2, claim: 'fetches a page with a headless browser' },
  { id: 'browser-extension', pattern: rx`{-}{-}load-extension=`, bins: BROWSERS, techniques: ['T1176.001'], weight: 1, claim: 'loads an unpacked browser extension' },
  { id: 'browser-extension-staging', pattern: new RegExp(`--load-extension=["']?[^"'\\s]*${STAGING}`, 'i'), bins: BROWSERS, techniques: ['T1176.001'], weight: 0.8, claim: 'loads a browser extension from a temporary folder' },
  { id: 'browser-remote-debugging', pattern: rx`{-}{-}remote-debugging-(?:port|pipe)\b`, bins: BROWSERS, techniques: ['T1185', 'T1539'], weight: 1.2, claim: 'opens the browser remote-debugging interface (session theft)' },
  { id: 'browser-file-url', pattern: /\s["']?https?:\/\/[^\s"']{1,300}\.(?:exe|dll|zip|rar|7z|iso|img|vhdx?|hta|ps1|bat|vbs|js|msi|lnk|scr|jar)["']?(?:\s|$)/i, bins: BROWSERS, techniques: ['T1105'], weight: 1, claim: 'opens a direct link to a downloadable file' },

  // Signed binary proxy execution (LOLBAS).
  { id: 'rundll32-script', pattern: rx`javascript:|vbscript:|mshtml(?:\.dll)?["']?\s*,\s*#?runhtmlapplication`, bins: ['rundll32'], techniques: ['T1218.011', 'T1059.007'], weight: 3, claim: 'runs script through rundll32' },
  { id: 'rundll32-unc', pattern: /\\\\[\w.-]+(?:@[\w]+)?\\[^,\s"']{1,300}(?:\.\w+)?["']?\s*,/i, bins: ['rundll32'], techniques: ['T1218.011', 'T1021.002'], weight: 2.5, claim: 'loads a DLL from a remote share with rundll32' },
  { id: 'rundll32-staging', pattern: new RegExp(`${STAGING}[^,"']{0,300}["']?\\s*,`, 'i'), bins: ['rundll32'], techniques: ['T1218.011'], weight: 1.5, claim: 'loads a DLL from a user-writable folder with rundll32' },
  { id: 'rundll32-odd-extension', pattern: /rundll32(?:\.exe)?["']?\s+["']?[^,"']+\.(?!dll\b|cpl\b|ocx\b|drv\b|exe\b)[a-z0-9]{1,5}["']?\s*,/i, bins: ['rundll32'], techniques: ['T1218.011', 'T1036.008'], weight: 1.5, claim: 'loads a DLL that has a non-DLL file extension' },
  { id: 'rundll32-lolbas-export', pattern: rx`(?:url\.dll["']?\s*,\s*(?:openurl|fileprotocolhandler)|advpack\.dll["']?\s*,\s*(?:launchinfsection|registerocx)|ieadvpack\.dll["']?\s*,\s*launchinfsection|setupapi\.dll["']?\s*,\s*installhinfsection|syssetup\.dll["']?\s*,\s*setupinfobjectinstallaction|pcwutl\.dll["']?\s*,\s*launchapplication|zipfldr\.dll["']?\s*,\s*routethecall|shdocvw\.dll["']?\s*,\s*openurl|ieframe\.dll["']?\s*,\s*openurl|dfshim\.dll["']?\s*,\s*shopenverbapplication|davclnt\.dll["']?\s*,\s*davsetcookie|desk\.cpl["']?\s*,\s*installscreensaver|powershdll|shdocvw\.dll["']?\s*,\s*openurl)`, bins: ['rundll32'], techniques: ['T1218.011'], weight: 2, claim: 'calls a Windows DLL export that runs other programs (LOLBAS)' },
  { id: 'rundll32-cobalt-export', pattern: rx`,\s*(?:startw|dllregisterserver\s+\S|#1\b)\s*$|,\s*startw\b`, bins: ['rundll32'], techniques: ['T1218.011'], weight: 1.2, claim: 'calls a DLL export typical of attack frameworks' },
  { id: 'rundll32-no-args', pattern: /^\s*"?(?:[a-z]:\\[^"]*\\)?rundll32(?:\.exe)?"?\s*$/i, bins: ['rundll32'], techniques: ['T1218.011', 'T1055'], weight: 1.5, claim: 'starts rundll32 without arguments, typical of process injection' },
  { id: 'rundll32', pattern: /./, bins: ['rundll32'], isFallback: true, techniques: ['T1218.011'], weight: 0.1, claim: 'loads a DLL with rundll32' },
  { id: 'regsvr32-remote-scriptlet', pattern: rx`{-}i:\s*["']?(?:https?|ftp)://|{-}i:\s*["']?\\\\`, bins: ['regsvr32'], techniques: ['T1218.010', 'T1105'], weight: 3, claim: 'runs a remote scriptlet with regsvr32 (Squiblydoo)' },
  { id: 'regsvr32-scrobj', pattern: rx`\bscrobj(?:\.dll)?\b|\.sct\b`, bins: ['regsvr32'], techniques: ['T1218.010'], weight: 2.5, claim: 'runs a COM scriptlet with regsvr32' },
  { id: 'regsvr32-staging', pattern: new RegExp(STAGING, 'i'), bins: ['regsvr32'], techniques: ['T1218.010'], weight: 1.2, claim: 'registers a DLL from a user-writable folder' },
  { id: 'regsvr32-odd-extension', pattern: /regsvr32(?:\.exe)?["']?\s+(?:[-/]\w+\s+)*["']?[^"'\s]{1,300}\.(?:txt|jpg|jpeg|png|gif|dat|log|tmp|bin|ini|xml|db|pdf|doc)\b/i, bins: ['regsvr32'], techniques: ['T1218.010', 'T1036.008'], weight: 1.5, claim: 'registers a DLL that has a non-DLL file extension' },
  { id: 'regsvr32', pattern: /./, bins: ['regsvr32'], isFallback: true, techniques: ['T1218.010'], weight: 0.2, claim: 'registers a DLL with regsvr32' },
  { id: 'mshta-script', pattern: rx`\b(?:javascript|vbscript|about):`, bins: ['mshta'], techniques: ['T1218.005', 'T1059.007'], weight: 3, claim: 'runs inline script with mshta' },
  { id: 'mshta-url', pattern: rx`(?:https?|ftp)://`, bins: ['mshta'], techniques: ['T1218.005', 'T1105'], weight: 2.5, claim: 'runs an HTA fetched from the network' },
  { id: 'mshta-unc-or-staging', pattern: new RegExp(`\\\\\\\\[\\w.-]+\\\\|${STAGING}`, 'i'), bins: ['mshta'], techniques: ['T1218.005'], weight: 1.5, claim: 'runs an HTA from a share or staging folder' },
  { id: 'mshta', pattern: /./, bins: ['mshta'], isFallback: true, techniques: ['T1218.005'], weight: 0.8, claim: 'runs an HTML application with mshta' },
  { id: 'msiexec-remote', pattern: rx`(?:https?|ftp)://`, bins: ['msiexec'], techniques: ['T1218.007', 'T1105'], weight: 2, claim: 'installs a package straight from a URL' },
  { id: 'msiexec-dll', pattern: rx`\smsiexec(?:\.exe)?["']?\s+[^&|]{0,300}{-}[yz]\s|^\S*msiexec(?:\.exe)?["']?\s+[^&|]{0,300}{-}[yz]\s`, bins: ['msiexec'], techniques: ['T1218.007'], weight: 2, claim: 'registers a DLL with msiexec' },
  { id: 'installutil-uninstall', pattern: rx`{-}logfile=\s*(?:["']?\s|$)|{-}logtoconsole=false|{-}u\b`, bins: ['installutil'], techniques: ['T1218.004'], weight: 2, claim: 'runs assembly code through InstallUtil' },
  { id: 'installutil', pattern: /./, bins: ['installutil'], isFallback: true, techniques: ['T1218.004'], weight: 0.5, claim: 'runs InstallUtil' },
  { id: 'regasm-uninstall', pattern: new RegExp(`[-/]u\\b|${STAGING}`, 'i'), bins: ['regasm', 'regsvcs'], techniques: ['T1218.009'], weight: 2, claim: 'runs assembly code through RegAsm or RegSvcs' },
  { id: 'regasm', pattern: /./, bins: ['regasm', 'regsvcs'], isFallback: true, techniques: ['T1218.009'], weight: 0.5, claim: 'runs RegAsm or RegSvcs' },
  { id: 'msbuild-staging', pattern: new RegExp(`${STAGING}|\\.(?:xml|txt|csv|dat)\\b`, 'i'), bins: ['msbuild'], techniques: ['T1127.001'], weight: 1.5, claim: 'builds a project from a staging folder or with an odd extension (inline tasks)' },
  { id: 'msbuild', pattern: /./, bins: ['msbuild'], isFallback: true, techniques: ['T1127.001'], weight: 0.1, claim: 'runs MSBuild' },
  { id: 'cmstp-inf', pattern: rx`{-}(?:s|ns|au)\b[^&|]{0,300}\.inf\b|\.inf\b[^&|]{0,300}{-}(?:s|ns|au)\b`, bins: ['cmstp'], techniques: ['T1218.003'], weight: 2.5, claim: 'installs a connection profile INF with cmstp (UAC bypass)' },
  { id: 'cmstp', pattern: /./, bins: ['cmstp'], isFallback: true, techniques: ['T1218.003'], weight: 1, claim: 'runs cmstp' },
  { id: 'odbcconf', pattern: rx`\bregsvr\b|{-}f\s+\S+\.rsp\b|{-}a\s+\{`, bins: ['odbcconf'], techniques: ['T1218.008'], weight: 2, claim: 'loads a DLL through odbcconf' },
  { id: 'mavinject', pattern: rx`{-}injectrunning\b`, bins: ['mavinject', 'mavinject32', 'mavinject64'], techniques: ['T1218.013', 'T1055.001'], weight: 3, claim: 'injects a DLL into a running process with mavinject' },
  { id: 'control-cpl-staging', pattern: new RegExp(`${STAGING}[^"']{0,300}\\.cpl\\b|\\\\\\\\[\\w.-]+\\\\[^"']{0,300}\\.cpl\\b`, 'i'), bins: ['control', 'rundll32'], techniques: ['T1218.002'], weight: 1.5, claim: 'opens a Control Panel item from a user-writable folder or share' },
  { id: 'hh-url', pattern: rx`(?:https?|ftp)://|\\\\[\w.-]+\\`, bins: ['hh'], techniques: ['T1218.001', 'T1105'], weight: 2, claim: 'opens a remote compiled HTML help file' },
  { id: 'hh-staging', pattern: new RegExp(`${STAGING}[^"']{0,300}\\.chm\\b`, 'i'), bins: ['hh'], techniques: ['T1218.001'], weight: 1.2, claim: 'opens a help file from a user-writable folder' },
  { id: 'hh', pattern: /./, bins: ['hh'], isFallback: true, techniques: ['T1218.001'], weight: 0.4, claim: 'opens a compiled HTML help file' },
  { id: 'verclsid', pattern: rx`{-}s\b[^&|]{0,300}{-}c\b`, bins: ['verclsid'], techniques: ['T1218.012'], weight: 1.5, claim: 'instantiates a COM object through verclsid' },
  { id: 'mmc-staging', pattern: new RegExp(`${STAGING}[^"']{0,300}\\.msc\\b`, 'i'), bins: ['mmc'], techniques: ['T1218.014'], weight: 1.5, claim: 'opens a console file from a user-writable folder' },
  { id: 'pubprn', pattern: rx`pubprn\.vbs[^&|]{0,300}script:`, bins: ['cscript', 'wscript'], techniques: ['T1216.001'], weight: 3, claim: 'runs a remote scriptlet through pubprn.vbs' },
  { id: 'syncappv', pattern: rx`syncappvpublishingserver(?:\.vbs|\.exe)?["']?\s+[^&|]{0,300}(?:;|\$|iex|http)`, bins: ['syncappvpublishingserver', 'cscript', 'wscript', 'powershell', 'pwsh'], techniques: ['T1216.002'], weight: 2.5, claim: 'runs PowerShell through SyncAppvPublishingServer' },
  { id: 'signed-scripts', pattern: rx`(?:cl_invocation|cl_mutexverifiers|cl_loadassembly)\.ps1|manage-bde\.wsf|winrm\.vbs[^&|]{0,300}{-}format:`, bins: ['powershell', 'pwsh', 'cscript', 'wscript'], techniques: ['T1216'], weight: 2, claim: 'runs code through a signed Windows script' },
  { id: 'forfiles', pattern: rx`{-}c\s`, bins: ['forfiles'], techniques: ['T1202'], weight: 1.2, claim: 'runs a command indirectly through forfiles' },
  { id: 'pcalua', pattern: rx`{-}a\s`, bins: ['pcalua'], techniques: ['T1202'], weight: 1.5, claim: 'runs a program indirectly through the compatibility assistant' },
  { id: 'scriptrunner', pattern: rx`{-}appvscript\b`, bins: ['scriptrunner'], techniques: ['T1202', 'T1218'], weight: 1.5, claim: 'runs a program through ScriptRunner' },
  { id: 'conhost-headless', pattern: rx`{-}{-}headless\b`, bins: ['conhost'], techniques: ['T1564.003', 'T1202'], weight: 1.5, claim: 'runs a console program without a window through conhost' },
  { id: 'conhost-launch', pattern: /\bconhost(?:\.exe)?["']?\s+(?!0x|--|-force)["']?[a-z]/i, bins: ['conhost'], techniques: ['T1202'], weight: 1, claim: 'launches a program through conhost' },
  { id: 'wsl-exec', pattern: rx`\b(?:wsl|bash)(?:\.exe)?["']?\s+[^&|]{0,300}(?:{-}e\b|{-}{-}exec\b|{-}c\b)`, bins: ['wsl', 'bash'], techniques: ['T1202'], weight: 1, claim: 'runs a command through the Windows Subsystem for Linux' },
  { id: 'explorer-root', pattern: rx`\bexplorer(?:\.exe)?["']?\s+{-}root,`, bins: ['explorer'], techniques: ['T1202'], weight: 0.8, claim: 'launches a program through explorer /root' },
  { id: 'atbroker', pattern: rx`{-}start\b`, bins: ['atbroker'], techniques: ['T1218'], weight: 1.5, claim: 'starts a registered assistive technology program' },
  { id: 'presentationhost', pattern: rx`\.xbap\b|https?://`, bins: ['presentationhost'], techniques: ['T1218'], weight: 1.5, claim: 'runs a XAML browser application' },
  { id: 'wuauclt-proxy', pattern: rx`{-}updatedeploymentprovider\b[^&|]{0,300}{-}runhandlercomserver\b`, bins: ['wuauclt'], techniques: ['T1218'], weight: 2.5, claim: 'loads a DLL through the Windows Update client' },
  { id: 'msdt-follina', pattern: rx`ms-msdt:|it_browseforfile=|pcwdiagnostic[^&|]{0,300}(?:\$\(|\.\.\\)|{-}af\s+[^&|]{0,300}${STAGING}`, techniques: ['T1218', 'T1203'], weight: 3, claim: 'abuses the diagnostics tool to run code (Follina)' },
  { id: 'msdt', pattern: /./, bins: ['msdt'], isFallback: true, techniques: ['T1218'], weight: 0.3, claim: 'runs the diagnostics troubleshooter' },
  { id: 'sdbinst', pattern: rx`\.sdb\b`, bins: ['sdbinst'], techniques: ['T1546.011'], weight: 2, claim: 'installs an application compatibility shim database' },
  { id: 'scrcons', pattern: /./, bins: ['scrcons'], isFallback: true, techniques: ['T1546.003'], weight: 2, claim: 'runs a WMI script event consumer' },
  { id: 'msxsl', pattern: rx`\.xsl\b|https?://`, bins: ['msxsl'], techniques: ['T1220'], weight: 2, claim: 'runs script in an XSL stylesheet' },
  { id: 'script-host-js', pattern: rx`\.(?:js|jse)\b|{-}{-}?e:(?:jscript|javascript)`, bins: ['wscript', 'cscript'], techniques: ['T1059.007'], weight: 0.3, claim: 'runs a JScript file' },
  { id: 'script-host-vbs', pattern: rx`\.(?:vbs|vbe|wsf|wsh)\b|{-}{-}?e:vbscript`, bins: ['wscript', 'cscript'], techniques: ['T1059.005'], weight: 0.3, claim: 'runs a VBScript file' },
  { id: 'script-host-engine-mismatch', pattern: rx`//e:(?:jscript|vbscript|javascript)\b[^&|]{0,300}\.(?!js\b|jse\b|vbs\b|vbe\b)\w{1,5}\b`, bins: ['wscript', 'cscript'], techniques: ['T1027'], weight: 1.5, claim: 'forces a script engine onto a file with another extension' },
  { id: 'script-host-staging', pattern: new RegExp(`${STAGING}[^"']{0,300}\\.(?:js|jse|vbs|vbe|wsf|wsh)\\b`, 'i'), bins: ['wscript', 'cscript'], techniques: ['T1204.002'], weight: 1.2, claim: 'runs a script from a user-writable or download folder' },
  { id: 'python-inline', pattern: rx`\s{-}c\s+[^&|]{0,300}(?:socket|base64|urllib|subprocess|\bpty\b|exec\()`, bins: ['python', 'python3', 'pythonw', 'py'], techniques: ['T1059.006'], weight: 1.5, claim: 'runs inline Python that opens sockets, decodes or spawns shells' },
  { id: 'autoit-staging', pattern: new RegExp(`${STAGING}[^"']{0,300}\\.(?:a3x|au3|ahk)\\b|\\.(?:a3x)\\b`, 'i'), bins: ['autoit3', 'autohotkey', 'autohotkeyu64'], techniques: ['T1059.010'], weight: 1.5, claim: 'runs an AutoIt or AutoHotkey script from a staging folder' },
  { id: 'lolbas-download-misc', pattern: rx`\bcmdl32\b[^&|]{0,300}{-}vpn\b|\bconfigsecuritypolicy\b[^&|]{0,300}https?://|\bimewdbld\b[^&|]{0,300}https?://|ms-appinstaller:\?source=https?://|\bprint(?:\.exe)?["']?\s+{-}d:\S+\s+\\\\|\bprintbrm\b[^&|]{0,300}{-}f\s+\\\\`, techniques: ['T1105'], weight: 2, claim: 'downloads a file through a signed Windows binary (LOLBAS)' },
  { id: 'lolbas-execute-misc', pattern: rx`\bextexport\b\s+\S|\bie4uinit\b[^&|]{0,300}{-}basesettings|\binfdefaultinstall\b[^&|]{0,300}\.inf|\brasautou\b[^&|]{0,300}{-}d\s|\bregister-cimprovider\b[^&|]{0,300}{-}path|\bsettingsynchost\b[^&|]{0,300}{-}loadandrunbatchscript|\bxwizard\b[^&|]{0,300}\brunwizard\b|\bofflinescannershell\b|\bprovlaunch\b|\bcertoc\b[^&|]{0,300}{-}(?:loaddll|getcacaps)|\bgpscript\b[^&|]{0,300}{-}(?:logon|startup)\b|\bcustomshellhost\b|\brunscripthelper\b[^&|]{0,300}\bsurfacecheck\b|\biediagcmd\b[^&|]{0,300}{-}out:`, techniques: ['T1218'], weight: 1.8, claim: 'runs code through a signed Windows binary (LOLBAS)' },
  { id: 'lolbas-indirect-misc', pattern: rx`\bpcwrun(?:\.exe)?["']?\s+\S|\bwlrmdr\b[^&|]{0,300}{-}u\s|\bwab(?:\.exe)?["']?\s|\bttdinject\b|\btttracer(?:\.exe)?["']?\s+[^&|]{0,300}{-}launch\b`, techniques: ['T1202'], weight: 1.5, claim: 'starts a program indirectly through a signed Windows binary (LOLBAS)' },
  { id: 'lolbas-compile', pattern: rx`microsoft\.workflow\.compiler|\baspnet_compiler\b[^&|]{0,300}{-}p\s|\bilasm\b[^&|]{0,300}{-}(?:dll|exe)\b`, techniques: ['T1127'], weight: 1.8, claim: 'compiles and runs code with a trusted developer utility' },
  { id: 'csc-staging', pattern: new RegExp(`${STAGING}[^"']{0,300}\\.(?:cs|vb|js|cmdline)\\b`, 'i'), bins: ['csc', 'vbc', 'jsc'], techniques: ['T1027.004'], weight: 1.2, claim: 'compiles source code from a staging folder (compile after delivery)' },
  { id: 'psr-capture', pattern: rx`{-}start\b[^&|]{0,300}{-}(?:output|sc|gui\s+0)\b`, bins: ['psr'], techniques: ['T1113'], weight: 1.5, claim: 'records screenshots with Steps Recorder' },
  { id: 'pktmon-capture', pattern: rx`\bstart\b[^&|]{0,300}{-}{-}(?:etw|capture)|\bstart\b[^&|]{0,300}{-}c\b`, bins: ['pktmon'], techniques: ['T1040'], weight: 1.2, claim: 'captures network packets' },
  { id: 'rpcping-ntlm', pattern: rx`{-}s\s+\S+[^&|]{0,300}{-}u\s+(?:9|ntlm)\b`, bins: ['rpcping'], techniques: ['T1187'], weight: 1.5, claim: 'forces NTLM authentication to a remote host' },
  { id: 'regini-import', pattern: rx`\bregini(?:\.exe)?["']?\s+\S`, bins: ['regini'], techniques: ['T1112'], weight: 1, claim: 'changes the registry from a script with regini' },
  { id: 'squirrel-update', pattern: rx`{-}{-}(?:download|update|processstart(?:andwait)?)\s+["']?(?:https?://|\S+\.exe)`, bins: ['update', 'squirrel'], techniques: ['T1218'], weight: 1, claim: 'downloads or starts a program through the Squirrel updater' },

  // Network configuration and remote execution.
  { id: 'netsh-helper', pattern: rx`\badd\s+helper\b`, bins: ['netsh'], techniques: ['T1546.007'], weight: 2.5, claim: 'registers a netsh helper DLL' },
  { id: 'netsh-firewall-off', pattern: rx`\b(?:adv)?firewall\s+set\s+[^&|]{0,300}(?:state\s+off|opmode\s+(?:mode=)?disable)`, bins: ['netsh'], techniques: ['T1562.004'], weight: 2.5, claim: 'turns off Windows Firewall' },
  { id: 'netsh-firewall-allow', pattern: rx`\b(?:adv)?firewall\s+(?:add|set)\s+[^&|]{0,300}(?:allowedprogram|portopening|rule)\b[^&|]{0,300}(?:action=allow|enable)`, bins: ['netsh'], techniques: ['T1562.004'], weight: 1.2, claim: 'opens Windows Firewall for a program or port' },
  { id: 'netsh-firewall-delete', pattern: rx`\b(?:adv)?firewall\s+delete\b`, bins: ['netsh'], techniques: ['T1562.004'], weight: 1, claim: 'deletes Windows Firewall rules' },
  { id: 'netsh-portproxy', pattern: rx`\binterface\s+portproxy\s+add\b|\bportproxy\s+add\b`, bins: ['netsh'], techniques: ['T1090.001'], weight: 2, claim: 'adds a port forwarding proxy' },
  { id: 'netsh-capture', pattern: rx`\btrace\s+start\b[^&|]{0,300}capture\s*=\s*yes`, bins: ['netsh'], techniques: ['T1040'], weight: 1.5, claim: 'captures network traffic' },
  { id: 'netsh-discovery', pattern: rx`\b(?:wlan\s+show|(?:interface|int)\s+(?:ip|ipv4)\s+show|advfirewall\s+(?:firewall\s+)?show|firewall\s+show)\b`, bins: ['netsh'], techniques: ['T1016'], weight: 0.3, claim: 'reads network or firewall configuration' },
  { id: 'psexec-remote', pattern: rx`\\\\[\w.-]+\s`, bins: ['psexec', 'psexec64', 'paexec', 'remcom', 'csexec'], techniques: ['T1569.002', 'T1021.002'], weight: 1.5, claim: 'runs a program on another host through a temporary service' },
  { id: 'winrs', pattern: rx`{-}r(?:emote)?:`, bins: ['winrs'], techniques: ['T1021.006'], weight: 1.2, claim: 'runs a command on another host over WinRM' },
  { id: 'mstsc-restricted-admin', pattern: rx`{-}restrictedadmin\b`, bins: ['mstsc'], techniques: ['T1550.002', 'T1021.001'], weight: 1, claim: 'connects over RDP in Restricted Admin mode (pass-the-hash capable)' },
  { id: 'tscon-hijack', pattern: rx`\btscon(?:\.exe)?["']?\s+\d+\s+{-}dest:`, bins: ['tscon'], techniques: ['T1563.002'], weight: 2.5, claim: 'takes over another user\'s RDP session' },
  { id: 'ssh-tunnel', pattern: rx`\s-[RLD]\s*(?:\d|[\w.-]+:\d)`, bins: ['ssh', 'plink'], techniques: ['T1572'], weight: 1.5, claim: 'opens an SSH port-forwarding tunnel' },
  { id: 'netcat-shell', pattern: rx`\b(?:nc|ncat|netcat|nc64)(?:\.exe)?["']?\s+[^&|]{0,300}{-}[ec]\s+["']?\S*(?:cmd|powershell|pwsh|/bin/\w*sh)`, bins: ['nc', 'ncat', 'netcat', 'nc64'], techniques: ['T1059', 'T1095'], weight: 3, claim: 'binds a shell to a network socket with netcat' },
  { id: 'archive-password', pattern: rx`\b(?:7z|7za|7zr|rar|winrar)(?:\.exe)?["']?\s+a\s+(?:[^&|]{0,300}\s)?{-}(?:p|hp)\S`, bins: ['7z', '7za', '7zr', 'rar', 'winrar'], techniques: ['T1560.001'], weight: 1.2, claim: 'creates a password-protected archive (staging for exfiltration)' },
  { id: 'rclone-transfer', pattern: rx`\b(?:copy|sync|move|copyto)\s+[^&|]{0,300}\s[\w-]+:[^\\]`, bins: ['rclone'], techniques: ['T1567.002'], weight: 2, claim: 'copies files to a cloud storage remote' },
  { id: 'anydesk-password', pattern: rx`{-}{-}(?:set-password|install\b[^&|]{0,300}{-}{-}silent)`, bins: ['anydesk'], techniques: ['T1219.002'], weight: 1.5, claim: 'installs remote desktop software silently or sets its access password' },
  { id: 'advancedrun-elevate', pattern: rx`{-}runas\s+[48]\b`, bins: ['advancedrun'], techniques: ['T1134.002'], weight: 1.2, claim: 'runs a program as SYSTEM or TrustedInstaller' },
  { id: 'advancedrun-hidden', pattern: rx`{-}windowstate\s+0\b`, bins: ['advancedrun'], techniques: ['T1564.003'], weight: 0.8, claim: 'runs a program with a hidden window' },
];

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
const ORIGINAL_NAME_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
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
const ROUTINE_PROCESSES: readonly { readonly image: RegExp; readonly commandLine: RegExp; readonly claim: string }[] = [
  { image: /\\windows\\system32\\svchost\.exe$/, commandLine: /^"?(?:c:\\windows\\system32\\)?svchost\.exe"?\s+-k\s+[a-z]+(?:\s+-p)?(?:\s+-s\s+\w+)?\s*$/i, claim: 'is a Windows service host started the standard way' },
  { image: /\\windows\\system32\\(?:wbem\\wmiprvse|dllhost|taskhostw|backgroundtaskhost|runtimebroker|sihost|ctfmon|searchprotocolhost|searchfilterhost|audiodg|fontdrvhost|smartscreen|wermgr|compattelrunner|sppsvc|musnotification|usoclient)\.exe$/, commandLine: /^[^&|<>^`]*$/, claim: 'is a Windows system process in its normal place with ordinary arguments' },
  { image: /\\windows\\system32\\conhost\.exe$/, commandLine: /^"?(?:\\\?\?\\)?(?:c:\\windows\\system32\\)?conhost\.exe"?(?:\s+0x[0-9a-f]+)?(?:\s+-forcev1)?\s*$/i, claim: 'is a console host attached to a console program' },
];

/** Suffixes of per-architecture builds of one tool (procdump64, psexec64, adfind32…). */
const ARCHITECTURE_SUFFIXES = new Set(['64', '64a', '32', 'x64', 'x86', '_x64', '-x64', '_x86']);

const RECON_PROGRAMS = new Set(['whoami', 'hostname', 'systeminfo', 'ipconfig', 'netstat', 'arp', 'route', 'nltest', 'quser', 'qwinsta', 'tasklist', 'net', 'net1', 'nslookup', 'dsquery', 'gpresult', 'wmic', 'klist', 'setspn', 'cmdkey', 'driverquery', 'ver', 'set']);

/** Every program a rule names, for spotting them in a command line. */
const KNOWN_PROGRAMS: ReadonlySet<string> = new Set([
  ...COMMAND_RULES.flatMap((rule) => rule.bins ?? []),
  ...RECON_PROGRAMS,
  'powershell',
  'pwsh',
  'powershell_ise',
  'cmd',
]);

const RULES_BY_PROGRAM = new Map<string, CommandRule[]>();
const FALLBACK_BY_PROGRAM = new Map<string, CommandRule[]>();
const ANY_PROGRAM_RULES: CommandRule[] = [];
for (const rule of COMMAND_RULES) {
  if (rule.bins === undefined) ANY_PROGRAM_RULES.push(rule);
  else for (const bin of rule.bins) {
    const index = rule.isFallback ? FALLBACK_BY_PROGRAM : RULES_BY_PROGRAM;
    index.set(bin, [...(index.get(bin) ?? []), rule]);
  }
}

const TOKEN_SPLIT = /[\s\\/"'(),;&|=<>`]+/;
/** Starts of commands inside a command line: `cmd /c X`, `X & Y`, `X | Y`, `conhost --headless X`. */
const COMMAND_POSITION = /(?:^|[&|(]|\/[ck]\s|--headless\s|\bstart\s+(?:"[^"]*"\s+)?)\s*"?([^\s"&|()]+)/gi;
const ENCODED_COMMAND = /(?:^|\s)[-/\u2013\u2014\u2015](?:ec|e(?:n(?:c(?:o(?:d(?:e(?:d(?:c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?)?)?)?)?)?)?)?)\s+["']?([a-z0-9+/]{16,}={0,2})/i;
const BASE64_LITERAL = /frombase64string\s*\(\s*["']([a-z0-9+/]{24,}={0,2})["']/gi;
const REG_COMMAND = /\breg(?:\.exe)?["']?\s+(add|delete|copy)\s+("[^"]+"|\S+)(?:\s+("[^"]+"|(?![-/])\S+))?/i;
const REG_VALUE_NAME = /\s[-/]v\s+("[^"]*"|\S+)/i;
const REG_DEFAULT_VALUE = /\s[-/]ve\b/i;
const REG_VALUE_DATA = /\s[-/]d\s+("[^"]*"|\S+)/i;
const PS_REGISTRY = /\b(set-itemproperty|new-itemproperty|remove-itemproperty|sp)\b([^;|\n]*)/i;
const PS_PATH = /-(?:path|literalpath)\s+("[^"]+"|'[^']+'|\S+)|^\s+("[^"]+"|'[^']+'|(?!-)\S+)/i;
const PS_NAME = /-name\s+("[^"]+"|'[^']+'|\S+)/i;
const PS_VALUE = /-value\s+("[^"]*"|'[^']*'|\S+)/i;
const CARET_IN_WORD = /[a-z0-9]\^[a-z0-9]/gi;
const TICK_IN_WORD = /[a-z]`[a-z]/gi;
const QUOTE_CONCAT = /["']\s*\+\s*["']/g;
const CHAR_CODE = /\[char\]\s*\(?\s*(?:0x)?[0-9a-f]+/gi;
const CASE_ALTERNATION = /[a-z][A-Z][a-z][A-Z]/;
const LETTER_RUNS = /[a-z]{6,24}/gi;
const BASE64_RUN = /[a-z0-9+/]{30,}={0,2}/gi;

interface ProcessView {
  image: string;
  imageName: string;
  originalName: string;
  parentName: string;
  commandLine: string;
  imageRef: string;
  commandLineRef: string;
  parentRef: string;
  originalRef: string;
}

/**
 * Reads processes' command lines, images and parents for signs of attack: encoded PowerShell,
 * download cradles, LOLBAS abuse, credential dumping, defence tampering, obfuscation, renamed or
 * misplaced Windows binaries, suspicious parents. Techniques come from the event, not the rule.
 */
export function createCommandLineEnricher(options: CommandLineOptionsInput = {}): EnricherV1 {
  const parsed = CommandLineOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error).map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw new ConfigError(`enrichers.command-line options are invalid: ${issues}`);
  }
  const settings = parsed.data;
  const successors = settings.includeSuccessorIds;

  function make(subject: string, rule: { id: string; claim: string; weight: number; techniques: readonly string[] }, fragment: string, ref: string, detail?: string): Finding {
    const finding: Finding = {
      kind: 'command_line',
      claim: `${subject} ${rule.claim}${fragment ? ` (${quote(fragment, settings.maxQuoteLength)})` : ''}.`,
      weight: rule.weight,
      refs: [ref, `knowledge:${rule.id}`],
      attack: techniquesOf([rule], successors),
    };
    if (detail !== undefined) finding.detail = detail;
    return finding;
  }

  /** Runs the command rules over one text; `seen` keeps one finding per rule across texts. */
  function scanText(text: string, programs: ReadonlySet<string>, launched: ReadonlySet<string>, subject: string, ref: string, findings: Finding[], seen: Set<string>): void {
    const matchedPrograms: string[] = [];
    const test = (rule: CommandRule): void => {
      if (seen.has(rule.id)) return;
      const match = rule.pattern.exec(text);
      if (match === null) return;
      seen.add(rule.id);
      if (rule.bins !== undefined) matchedPrograms.push(...rule.bins);
      findings.push(make(subject, rule, match[0].trim(), ref));
    };
    for (const rule of ANY_PROGRAM_RULES) test(rule);
    for (const program of programs) {
      const rules = RULES_BY_PROGRAM.get(program);
      if (rules !== undefined) for (const rule of rules) test(rule);
    }
    for (const program of launched) {
      const rules = FALLBACK_BY_PROGRAM.get(program);
      if (rules === undefined || matchedPrograms.includes(program)) continue;
      for (const rule of rules) {
        if (seen.has(rule.id) || !rule.pattern.test(text)) continue;
        seen.add(rule.id);
        findings.push(make(subject, rule, '', ref));
      }
    }
  }

  function programsIn(text: string, into: Set<string>): void {
    for (const token of text.toLowerCase().split(TOKEN_SPLIT)) {
      if (token.length === 0) continue;
      const name = token.endsWith('.exe') || token.endsWith('.com') ? token.slice(0, -4) : token;
      if (KNOWN_PROGRAMS.has(name)) into.add(name);
    }
  }

  function launchedIn(text: string, into: Set<string>): void {
    COMMAND_POSITION.lastIndex = 0;
    for (let match = COMMAND_POSITION.exec(text); match !== null; match = COMMAND_POSITION.exec(text)) {
      const name = stem(fileName(match[1] ?? ''));
      if (name.length > 0) into.add(name);
    }
  }

  function registryFromCommand(text: string, subject: string, ref: string, findings: Finding[], seen: Set<string>): void {
    const targets: { key: string; data: string; change: 'set' | 'delete' }[] = [];
    const reg = REG_COMMAND.exec(text);
    if (reg !== null) {
      const verb = (reg[1] ?? '').toLowerCase();
      const keyText = unquote(verb === 'copy' ? (reg[3] ?? '') : (reg[2] ?? ''));
      const name = REG_DEFAULT_VALUE.test(text) ? '(Default)' : unquote(REG_VALUE_NAME.exec(text)?.[1] ?? '');
      const key = normalizeRegistryKey(name ? `${keyText}\\${name}` : keyText);
      targets.push({ key, data: registryData(unquote(REG_VALUE_DATA.exec(text)?.[1] ?? '')), change: verb === 'delete' ? 'delete' : 'set' });
    }
    const ps = PS_REGISTRY.exec(text);
    if (ps !== null) {
      const args = ps[2] ?? '';
      const pathMatch = PS_PATH.exec(args);
      const path = unquote(pathMatch?.[1] ?? pathMatch?.[2] ?? '');
      const name = unquote(PS_NAME.exec(args)?.[1] ?? '');
      if (/^(?:hk|registry::|microsoft\.powershell)/i.test(path)) {
        targets.push({ key: normalizeRegistryKey(name ? `${path}\\${name}` : path), data: registryData(unquote(PS_VALUE.exec(args)?.[1] ?? '')), change: /^remove/i.test(ps[1] ?? '') ? 'delete' : 'set' });
      }
    }
    for (const target of targets) {
      if (target.key.length === 0) continue;
      for (const rule of matchRegistry(target.key, target.data, target.change)) {
        if (seen.has(rule.id)) continue;
        seen.add(rule.id);
        const fragment = target.data ? `${target.key} = ${target.data}` : target.key;
        findings.push(make(subject, rule, fragment, ref));
      }
    }
  }

  function obfuscation(raw: string, fullLength: number, ref: string, findings: Finding[]): void {
    const signs: string[] = [];
    if (raw.includes('^') && count(CARET_IN_WORD, raw) >= 2) signs.push('carets inside words');
    if (raw.includes('`') && countTicks(raw) >= 2) signs.push('backticks inside words');
    if (raw.includes('+') && count(QUOTE_CONCAT, raw) >= 3) signs.push('string concatenation');
    if (raw.includes('[') && count(CHAR_CODE, raw) >= 3) signs.push('character codes');
    if (CASE_ALTERNATION.test(raw) && randomCaseWords(raw) >= 2) signs.push('random letter case');
    if (signs.length > 0) {
      findings.push(make('Command line', { id: 'obfuscation', claim: `is obfuscated with ${signs.join(', ')}`, weight: Math.min(2.5, 1.2 + 0.4 * (signs.length - 1)), techniques: ['T1027.010'] }, raw, ref));
    }
    if (fullLength > settings.longCommandLineLength) {
      findings.push(make('Command line', { id: 'long-command-line', claim: `is ${fullLength} characters long, typical of padded or embedded payloads`, weight: 0.4, techniques: ['T1027'] }, '', ref));
    }
    if (/\u202e/.test(raw)) {
      findings.push(make('Command line', { id: 'rtlo-command', claim: 'contains a right-to-left override character that disguises a file name', weight: 3, techniques: ['T1036.002'] }, raw, ref));
    }
  }

  function decodePowerShell(text: string, programs: Set<string>, ref: string, findings: Finding[], seen: Set<string>, depth: number): void {
    if (depth > 2) return;
    const payloads: { encoded: string; how: string }[] = [];
    if (PS.some((name) => programs.has(name))) {
      const encoded = ENCODED_COMMAND.exec(text);
      if (encoded?.[1] !== undefined) payloads.push({ encoded: encoded[1], how: 'encoded command' });
    }
    BASE64_LITERAL.lastIndex = 0;
    for (let match = BASE64_LITERAL.exec(text); match !== null && payloads.length < 3; match = BASE64_LITERAL.exec(text)) {
      if (match[1] !== undefined) payloads.push({ encoded: match[1], how: 'embedded Base64 string' });
    }
    for (const payload of payloads) {
      const decoded = decodeBase64Text(payload.encoded);
      const isCommand = payload.how === 'encoded command';
      if (decoded === undefined) {
        if (isCommand && !seen.has('ps-encoded-command')) {
          seen.add('ps-encoded-command');
          findings.push(make('Command line', { id: 'ps-encoded-command', claim: 'passes PowerShell a Base64-encoded command that does not decode to text', weight: 1.5, techniques: ['T1059.001', 'T1027.010'] }, payload.encoded, ref));
        }
        continue;
      }
      const detail = `Decoded ${payload.how}: ${decoded.length > settings.maxDetailLength ? `${decoded.slice(0, settings.maxDetailLength)}…` : decoded}`;
      const id = isCommand ? 'ps-encoded-command' : 'ps-embedded-base64';
      if (!seen.has(id)) {
        seen.add(id);
        const rule = isCommand
          ? { id, claim: 'runs a Base64-encoded PowerShell command', weight: 1.5, techniques: ['T1059.001', 'T1027.010'] }
          : { id, claim: 'carries a Base64 string that decodes to text', weight: 0.5, techniques: ['T1027'] };
        findings.push(make('Command line', rule, decoded, ref, detail));
      }
      const decodedPrograms = new Set<string>(['powershell']);
      programsIn(decoded, decodedPrograms);
      const launched = new Set<string>();
      launchedIn(decoded, launched);
      const deobfuscated = deobfuscate(decoded);
      scanText(deobfuscated, decodedPrograms, launched, 'Decoded PowerShell', `${ref} (decoded)`, findings, seen);
      registryFromCommand(deobfuscated, 'Decoded PowerShell', `${ref} (decoded)`, findings, seen);
      decodePowerShell(decoded, decodedPrograms, ref, findings, seen, depth + 1);
    }
  }

  function imageChecks(view: ProcessView, findings: Finding[]): void {
    const lowerImage = normalizePath(view.image);
    const subject = `Process ${view.imageName}`;
    // A known program under another name: renamed to dodge name-based detection.
    if (view.originalName && view.imageName) {
      const original = view.originalName.replace(/\.mui$/, '');
      const originalStem = stem(original);
      const imageStem = stem(view.imageName);
      const isKnown = KNOWN_PROGRAMS.has(originalStem) || SYSTEM_BINARIES.has(original) || knownTool(original) !== undefined;
      const accepted = ORIGINAL_NAME_ALIASES.get(original) ?? [originalStem];
      const sameProgram = accepted.some((name) => imageStem === name || (imageStem.startsWith(name) && ARCHITECTURE_SUFFIXES.has(imageStem.slice(name.length))));
      if (isKnown && !sameProgram) {
        findings.push(make(subject, { id: 'renamed-binary', claim: `is a renamed copy of ${original}`, weight: 2, techniques: ['T1036.003'] }, `${view.imageName} ← ${view.originalName}`, view.originalRef));
      } else if (!sameProgram && SYSTEM_BINARIES.has(view.imageName) && !isKnown) {
        findings.push(make(subject, { id: 'system-name-other-program', claim: `carries a Windows program name but its original file name is ${original}`, weight: 1.5, techniques: ['T1036.005'] }, `${view.imageName} ← ${view.originalName}`, view.originalRef));
      }
    }
    // A Windows binary outside the Windows folders.
    const isCore = SYSTEM_BINARIES.get(view.imageName);
    if (isCore !== undefined && lowerImage.includes('\\') && !isSystemLocation(lowerImage)) {
      findings.push(make(subject, { id: 'system-binary-location', claim: 'has the name of a Windows program but runs outside the Windows folders', weight: isCore ? 2 : 1.5, techniques: ['T1036.005'] }, view.image, view.imageRef));
    }
    const folder = stagingFolder(lowerImage);
    if (folder !== undefined) findings.push(make(subject, folder, view.image, view.imageRef));
    if (/\u202e/.test(view.image)) {
      findings.push(make(subject, { id: 'rtlo-image', claim: 'hides its real extension with a right-to-left override character', weight: 3, techniques: ['T1036.002'] }, view.image, view.imageRef));
    }
    if (/\.(?:pdf|docx?|xlsx?|pptx?|txt|rtf|jpe?g|png|zip|rar)\s*\.(?:exe|scr|com|pif|bat|cmd)$/i.test(view.imageName)) {
      findings.push(make(subject, { id: 'double-extension-image', claim: 'has a document extension in front of its real one', weight: 2.5, techniques: ['T1036.007'] }, view.imageName, view.imageRef));
    }
    const tool = knownTool(lowerImage) ?? (view.originalName ? knownTool(view.originalName) : undefined);
    if (tool !== undefined) findings.push(make(subject, tool, view.imageName || view.originalName, view.imageRef));
    if (view.parentName && view.imageName) {
      for (const rule of PARENT_CHILD_RULES) {
        if (rule.parent.test(view.parentName) && rule.child.test(view.imageName)) {
          findings.push(make(subject, rule, `${view.parentName} → ${view.imageName}`, view.parentRef));
          break;
        }
      }
    }
  }

  function reconChain(launched: ReadonlySet<string>, ref: string, findings: Finding[]): void {
    let count = 0;
    for (const name of launched) if (RECON_PROGRAMS.has(name)) count++;
    if (count >= 3) {
      findings.push(make('Command line', { id: 'recon-chain', claim: `chains ${count} discovery commands in one go`, weight: 1.5, techniques: ['T1082', 'T1016', 'T1033'] }, '', ref));
    }
  }

  function analyse(view: ProcessView): Finding[] {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const raw = view.commandLine.length > settings.maxScanLength ? view.commandLine.slice(0, settings.maxScanLength) : view.commandLine;
    const text = deobfuscate(raw);
    const programs = new Set<string>();
    const launched = new Set<string>();
    for (const name of [stem(view.imageName), stem(view.originalName.replace(/\.mui$/, ''))]) {
      if (name.length === 0) continue;
      programs.add(name);
      launched.add(name);
    }
    programsIn(text, programs);
    launchedIn(text, launched);
    imageChecks(view, findings);
    if (view.commandLine.length > 0) {
      scanText(text, programs, launched, 'Command line', view.commandLineRef, findings, seen);
      registryFromCommand(text, 'Command line', view.commandLineRef, findings, seen);
      decodePowerShell(text, programs, view.commandLineRef, findings, seen, 0);
      obfuscation(raw, view.commandLine.length, view.commandLineRef, findings);
      reconChain(launched, view.commandLineRef, findings);
    }
    if (!findings.some((finding) => finding.weight > 0)) {
      const lowerImage = normalizePath(view.image);
      const routine = ROUTINE_PROCESSES.find((entry) => entry.image.test(lowerImage) && entry.commandLine.test(view.commandLine.trim()));
      if (routine !== undefined) {
        findings.push({ kind: 'command_line', claim: `Process ${view.imageName} ${routine.claim}.`, weight: -0.3, refs: [view.imageRef], benignReason: 'expected_activity' });
      }
    }
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  const cache = new Map<string, Finding[]>();

  function analyseCached(view: ProcessView): Finding[] {
    if (settings.cacheSize === 0) return analyse(view);
    const key = `${view.imageRef}\u0001${view.image}\u0001${view.originalName}\u0001${view.parentName}\u0001${view.parentRef}\u0001${view.commandLineRef}\u0001${view.commandLine}`;
    let result = cache.get(key);
    if (result === undefined) {
      result = analyse(view);
      if (cache.size >= settings.cacheSize) cache.clear();
      cache.set(key, result);
    }
    return result;
  }

  return {
    id: 'command-line',
    description: 'Reads process command lines, images and parents: encoded PowerShell, download cradles, LOLBAS abuse, credential dumping, defence tampering, obfuscation, renamed or misplaced binaries.',
    enrich(alert: Alert): Finding[] {
      let findings: Finding[] | undefined;
      let processIndex = 0;
      for (let index = 0; index < alert.entities.length && processIndex < 4; index++) {
        const entity = alert.entities[index] as Entity;
        if (entity.kind !== 'process') continue;
        const result = analyseCached(processView(alert, entity, index, processIndex++ === 0));
        if (result.length === 0) continue;
        findings ??= [];
        for (const finding of result) findings.push({ ...finding });
      }
      return findings === undefined ? [] : processIndex > 1 ? keepStrongestPerRule(findings) : findings;
    },
  };
}

function processView(alert: Alert, entity: Entity, index: number, isPrimary: boolean): ProcessView {
  const properties = entity.properties ?? {};
  const base = `entities[${index}]`;
  const field = (property: string, name: string): [string, string] | undefined => {
    const own = properties[property];
    if (own !== undefined && own !== '' && own !== '-') return [own, `${base}.properties.${property}`];
    const flat = isPrimary ? alert.fields[name] : undefined;
    if (flat !== undefined && flat !== '' && flat !== '-') return [flat, `fields.${name}`];
    return undefined;
  };
  const commandLine = field('commandLine', 'CommandLine') ?? [entity.value, `${base}.value`];
  const image = field('image', 'Image') ?? (/^[a-z]:\\|^\\\\|\.exe"?$/i.test(entity.value.trim()) ? [entity.value, `${base}.value`] : ['', `${base}.value`]);
  const original = field('originalFileName', 'OriginalFileName');
  const parent = field('parentImage', 'ParentImage');
  return {
    image: image[0],
    imageName: image[0] ? fileName(image[0]) : '',
    originalName: original ? original[0].trim().toLowerCase() : '',
    parentName: parent ? fileName(parent[0]) : '',
    commandLine: commandLine[0],
    imageRef: image[1],
    commandLineRef: commandLine[1],
    parentRef: parent ? parent[1] : `${base}.properties.parentImage`,
    originalRef: original ? original[1] : `${base}.properties.originalFileName`,
  };
}

/** Removes cmd carets, in-word quotes and PowerShell backticks that split keywords. */
function deobfuscate(text: string): string {
  if (!/[\^`"]/.test(text)) return text;
  return text.replace(/\^(?=[^&|<>])/g, '').replace(/(?<=[a-z])`(?=[a-z])/gi, '').replace(/(?<=[a-z])""?(?=[a-z])/gi, '');
}

function decodeBase64Text(encoded: string): string | undefined {
  const buffer = Buffer.from(encoded, 'base64');
  if (buffer.length < 8) return undefined;
  let zeros = 0;
  for (let index = 1; index < buffer.length; index += 2) if (buffer[index] === 0) zeros++;
  const text = (zeros * 2 >= buffer.length * 0.7 ? buffer.toString('utf16le') : buffer.toString('utf8')).replace(/^\ufeff/, '').replace(/\u0000+$/, '');
  let printable = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code >= 32 && code < 127) || code === 9 || code === 10 || code === 13 || (code >= 160 && code !== 0xfffd)) printable++;
  }
  return text.length > 0 && printable / text.length >= 0.9 ? text : undefined;
}

function unquote(text: string): string {
  return text.trim().replace(/^(["'])(.*)\1$/s, '$2');
}

function count(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let total = 0;
  while (pattern.exec(text) !== null) total++;
  return total;
}

/** Backticks between letters, leaving out PowerShell escapes (`n, `t, `r…) that real scripts use. */
function countTicks(text: string): number {
  TICK_IN_WORD.lastIndex = 0;
  let total = 0;
  for (let match = TICK_IN_WORD.exec(text); match !== null; match = TICK_IN_WORD.exec(text)) {
    if (!/[ntr0abfv]/i.test(match[0].charAt(2))) total++;
  }
  return total;
}

/** Words whose letters flip case most of the time (`pOwErShElL`), Base64 runs left out. */
function randomCaseWords(text: string): number {
  const words = text.replace(BASE64_RUN, ' ').match(LETTER_RUNS);
  if (words === null) return 0;
  let total = 0;
  for (const word of words) {
    let flips = 0;
    for (let index = 1; index < word.length; index++) {
      const previous = word.charCodeAt(index - 1) < 97;
      const current = word.charCodeAt(index) < 97;
      if (previous !== current) flips++;
    }
    if (flips >= 4 && flips / (word.length - 1) >= 0.6) total++;
  }
  return total;
}

