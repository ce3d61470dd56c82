/**
 * Shared knowledge for the host-event enrichers (command-line, registry-file): how to read Windows
 * paths, registry keys and tool names, and which ATT&CK techniques they show. Tables are data
 * (`{ id, pattern, techniques, weight, claim }`), checked by tests against the ATT&CK catalog; the
 * enrichers only walk them. Knowledge here is general (ATT&CK, LOLBAS, well-known autostart and
 * defence settings), never keyed to one detection rule or test event.
 */

/** One piece of knowledge: where it matches, which techniques it shows and how much it weighs. */
export interface TechniqueRule {
  /** Stable id, quoted in refs (`knowledge:<id>`) so an analyst can find the rule. */
  readonly id: string;
  readonly pattern: RegExp;
  /** ATT&CK Enterprise ids in the catalog's version (v18.1); successors are added on output. */
  readonly techniques: readonly string[];
  /** Signed natural-log likelihood ratio: + toward malicious. */
  readonly weight: number;
  /** Predicate completing "<subject> …", e.g. 'deletes volume shadow copies'. */
  readonly claim: string;
}

export interface RegistryRule extends TechniqueRule {
  /** Condition on the value data (DWORDs read as decimal text); absent = any data. */
  readonly data?: RegExp;
  /** The change the rule is about; default `set` (SetValue, CreateKey, RenameKey). */
  readonly change?: 'set' | 'delete';
}

/** Windows command-line switch prefixes: `-`, `/` and the dashes Windows tools also accept. */
const WINDASH = '[-/\u2013\u2014\u2015]';

/** Case-insensitive regex from a raw template; `{-}` stands for any Windows switch prefix. */
export function rx(strings: TemplateStringsArray, ...values: unknown[]): RegExp {
  return new RegExp(String.raw(strings, ...values).replaceAll('{-}', WINDASH), 'i');
}

/**
 * ATT&CK v19 moved Impair Defenses sub-techniques to new ids (T1685 Disable or Modify Tools, T1686
 * Disable or Modify System Firewall…). Detection content already uses them while the bundled
 * catalog is v18.1, so inferred ids carry the successor too when the enricher option asks for it.
 */
export const ATTACK_SUCCESSORS: ReadonlyMap<string, string> = new Map([
  ['T1562.001', 'T1685'],
  ['T1562.002', 'T1685.001'],
  ['T1070.001', 'T1685.005'],
  ['T1562.004', 'T1686.003'],
]);

/** Deduplicated technique ids of several rules, with v19 successors when asked. */
export function techniquesOf(rules: readonly { techniques: readonly string[] }[], includeSuccessors: boolean): string[] {
  const ids: string[] = [];
  for (const rule of rules) {
    for (const id of rule.techniques) {
      if (!ids.includes(id)) ids.push(id);
      const successor = includeSuccessors ? ATTACK_SUCCESSORS.get(id) : undefined;
      if (successor !== undefined && !ids.includes(successor)) ids.push(successor);
    }
  }
  return ids;
}

/** `"fragment"` for a claim: control characters made visible, cut to `max` characters. */
export function quote(text: string, max: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${clean.length > max ? `${clean.slice(0, Math.max(1, max - 1))}…` : clean}"`;
}

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

/**
 * Windows binaries that belong in System32 (or the Windows folder). One running or written
 * anywhere else is a copy posing as the real thing (T1036.005). `true` = a core process whose
 * name malware borrows most.
 */
export const SYSTEM_BINARIES: ReadonlyMap<string, boolean> = new Map([
  ...'svchost lsass csrss smss services wininit winlogon explorer taskhost taskhostw taskhostex dllhost spoolsv conhost lsm lsaiso userinit dwm rundll32 regsvr32 ctfmon sihost runtimebroker searchindexer searchprotocolhost searchfilterhost wmiprvse audiodg fontdrvhost wuauclt wermgr werfault'
    .split(' ')
    .map((name) => [`${name}.exe`, true] as const),
  ...'cmd powershell mshta wscript cscript certutil bitsadmin schtasks sc reg regedit net net1 netsh wmic whoami tasklist taskkill taskmgr msiexec mmc hh msdt cmstp control consent sethc utilman osk magnify narrator atbroker displayswitch bcdedit vssadmin wbadmin wevtutil nltest ipconfig systeminfo hostname ping nslookup arp route netstat at attrib icacls takeown cipher clip findstr forfiles pcalua esentutl expand extrac32 makecab replace xcopy robocopy fsutil diskshadow auditpol logman fltmc mavinject odbcconf verclsid finger tftp ftp certreq desktopimgdownldr gpresult driverquery quser qwinsta klist setspn winrs mstsc tscon wusa dism sdbinst presentationhost msconfig eventvwr fsquirt wsreset computerdefaults fodhelper sdclt slui changepk cleanmgr dccw mobsync msra perfmon printui recdisc resmon systempropertiesadvanced taskeng winsat wlrmdr scriptrunner syncappvpublishingserver chcp cmdkey runas dsquery ntdsutil'
    .split(' ')
    .map((name) => [`${name}.exe`, false] as const),
  ['chcp.com', false],
]);

/**
 * DLL and Control Panel module names of System32 that programs load by name and attackers plant
 * next to a program to have it loaded (search-order hijacking, side-loading, phantom DLLs).
 */
export const HIJACKABLE_MODULES: ReadonlySet<string> = new Set(
  (
    'version dbghelp dbgcore winmm wtsapi32 uxtheme dwmapi cryptbase cryptsp secur32 sspicli userenv wininet winhttp iphlpapi netapi32 dnsapi mpr profapi propsys shfolder srvcli vaultcli wer xmllite d3d9 d3d10 d3d11 d3d12 dxgi apphelp amsi wbemcomn tdh mswsock ' +
    'wlbsctrl tsmsisrv tsvipsrv wow64log cdpsgshims wptsextensions ualapi edgegdi windowscoredeviceinfo phoneinfo oci fxsst duser dui70 mscms msimg32 ncrypt ntmarta oleacc policymanager rasapi32 rasman rtutils samcli samlib slc textshaping umpdc urlmon wevtapi winbrand wkscli wsock32 ' +
    'dpapi cryptnet credui davclnt dsrole logoncli netutils winsta cfgmgr32 powrprof winnsi nlaapi dhcpcsvc dhcpcsvc6 fwpuclnt bcrypt iertutil dsreg ntshrui cscapi linkinfo edputil mfc42 msvcr100 msvcp140 vcruntime140 comsvcs dbgeng dismcore wdscore ' +
    'mstscax mscoree clr wimgapi winsqlite3 xpsservices wsclient'
  )
    .split(' ')
    .map((name) => `${name}.dll`)
    .concat(
      'bthprops appwiz desk inetcpl intl main mmsys ncpa powercfg sysdm timedate firewall hdwwiz joy tabletpc telephon wscui access'.split(' ').map((name) => `${name}.cpl`),
    ),
);

/**
 * Tools with a well-known purpose, recognised by file name or install folder (matched against a
 * lower-case path or bare name). Techniques follow the tool's ATT&CK software entry where it has one.
 */
export const KNOWN_TOOLS: readonly TechniqueRule[] = [
  { id: 'tool-mimikatz', pattern: /(?:^|\\)(?:mimikatz|mimidrv|mimilib|mimispool|kiwi)[^\\]*\.(?:exe|sys|dll)$/, techniques: ['T1003.001', 'T1003.002', 'T1003.004', 'T1003.006'], weight: 3, claim: 'is Mimikatz, a credential theft tool' },
  { id: 'tool-lsass-dumpers', pattern: /(?:^|\\)(?:nanodump|dumpert|outflank-dumpert|handlekatz|ppldump|safetykatz|sharpdump|pypykatz|lsassy|mirrordump|sharpkatz|bettersafetykatz)[^\\]*\.(?:exe|dll)$/, techniques: ['T1003.001'], weight: 3, claim: 'is an LSASS memory dumping tool' },
  { id: 'tool-procdump', pattern: /(?:^|\\)procdump(?:64a?)?(?:\.exe)?$/, techniques: ['T1003.001'], weight: 1, claim: 'is ProcDump, a memory dump tool often pointed at LSASS' },
  { id: 'tool-hash-dumpers', pattern: /(?:^|\\)(?:pwdump\d*|fgdump|gsecdump|quarkspwdump|cachedump|lsadump|secretsdump|wce(?:32|64)?|hashdump)(?:\.exe)?$/, techniques: ['T1003.002', 'T1003.004', 'T1003.005'], weight: 3, claim: 'is a password-hash dumping tool' },
  { id: 'tool-lazagne', pattern: /(?:^|\\)(?:lazagne|webbrowserpassview|mailpassview|netpass|wirelesskeyview|chromepass|pstpassword|bulletspassview|passwordfox|credentialsfileview|vaultpasswordview)(?:\.exe)?$/, techniques: ['T1555', 'T1555.003'], weight: 2.5, claim: 'is a stored-password recovery tool' },
  { id: 'tool-rubeus', pattern: /(?:^|\\)(?:rubeus|kekeo|kerbrute|asreproast|kerberoast)(?:\.exe)?$/, techniques: ['T1558', 'T1558.003'], weight: 3, claim: 'is a Kerberos abuse tool' },
  { id: 'tool-ad-collectors', pattern: /(?:^|\\)(?:sharphound|bloodhound|azurehound|adrecon|pingcastle|adexplorer64?|ldapdomaindump|sharpview|seatbelt|winpeas(?:x64|x86|any)?|sharpup)(?:\.exe)?$/, techniques: ['T1087.002', 'T1482', 'T1069.002', 'T1018'], weight: 2, claim: 'is an Active Directory reconnaissance tool' },
  { id: 'tool-adfind', pattern: /(?:^|\\)adfind(?:64)?(?:\.exe)?$/, techniques: ['T1087.002', 'T1482', 'T1018', 'T1069.002', 'T1016'], weight: 1.5, claim: 'is AdFind, an Active Directory query tool ransomware operators use for discovery' },
  { id: 'tool-psexec', pattern: /(?:^|\\)(?:psexec(?:64)?|paexec|remcom|csexec|winexe|psexesvc)(?:\.exe|\.c)?$/, techniques: ['T1569.002', 'T1021.002'], weight: 1, claim: 'is a remote service execution tool (PsExec family)' },
  { id: 'tool-impacket', pattern: /(?:^|\\)(?:wmiexec|smbexec|atexec|dcomexec|psexec_?py|crackmapexec|cme|netexec|nxc|sharpwmi)(?:\.exe)?$/, techniques: ['T1047', 'T1569.002', 'T1021.002'], weight: 2.5, claim: 'is an attack framework for remote execution' },
  { id: 'tool-potatoes', pattern: /(?:^|\\)(?:printspoofer(?:64)?|juicypotato\w*|roguepotato|godpotato\w*|sweetpotato|efspotato|badpotato|localpotato)(?:\.exe)?$/, techniques: ['T1134.001'], weight: 3, claim: 'is a token impersonation privilege-escalation tool' },
  { id: 'tool-net-scanners', pattern: /(?:^|\\)(?:advanced_ip_scanner\w*|advanced ip scanner[^\\]*|netscan(?:64)?|angryip\w*|ipscan\d*|nmap|zenmap|masscan|rustscan|nbtscan|softperfect network scanner)(?:\.exe)?(?:\\|$)/, techniques: ['T1046', 'T1135', 'T1018'], weight: 1.2, claim: 'is a network scanner' },
  { id: 'tool-port-scanner', pattern: /(?:^|\\)(?:advanced_port_scanner\w*|advanced port scanner[^\\]*|portscan\w*)(?:\.exe)?(?:\\|$)/, techniques: ['T1046'], weight: 1.2, claim: 'is a port scanner' },
  { id: 'tool-advancedrun', pattern: /(?:^|\\)(?:advancedrun|nsudo\w*|runasti|superuser\d*)(?:\.exe)?$/, techniques: ['T1134.002'], weight: 1.2, claim: 'runs programs under another token (TrustedInstaller/SYSTEM)' },
  { id: 'tool-defense-killers', pattern: /(?:^|\\)(?:processhacker|systeminformer|pchunter\w*|gmer\w*|powertool\w*|defendercontrol|dcontrol|dfcontrol|backstab\w*|terminator|edrsandblast\w*|killav\w*|avkiller|blackout|aukill)(?:\.exe)?$/, techniques: ['T1562.001'], weight: 1.8, claim: 'is a tool used to kill or disable security software' },
  { id: 'tool-remote-access', pattern: /(?:^|\\)(?:anydesk|teamviewer\w*|screenconnect[\w.]*|connectwisecontrol[\w.]*|atera\w*|splashtop\w*|rustdesk|rutserv|rfusclient|aa_v3|client32|radmin\w*|tvnserver|winvnc|uvnc_service|simplehelp\w*|meshagent|dwagent|supremo\w*|remoteutilities)(?:\.exe)?(?:\\|$)/, techniques: ['T1219.002'], weight: 0.5, claim: 'is remote desktop software attackers use for hands-on access' },
  { id: 'tool-tunnels', pattern: /(?:^|\\)(?:ngrok|chisel|frpc|frps|plink|gost|ligolo\w*|cloudflared|iox|revsocks|rsocx|socat|ssf)(?:\.exe)?$/, techniques: ['T1572', 'T1090'], weight: 1.5, claim: 'is a tunnelling or reverse-proxy tool' },
  { id: 'tool-tor', pattern: /(?:^|\\)(?:tor\.exe$|tor browser\\)/, techniques: ['T1090.003'], weight: 1.5, claim: 'is the Tor client or Tor Browser' },
  { id: 'tool-rclone', pattern: /(?:^|\\)(?:rclone|megasync|megacmd\w*|restic)(?:\.exe)?$/, techniques: ['T1567.002'], weight: 1, claim: 'is a cloud-sync tool used to exfiltrate data' },
  { id: 'tool-miners', pattern: /(?:^|\\)(?:xmrig\w*|xmr-stak\w*|minerd|cpuminer\w*|nicehash\w*|phoenixminer|t-rex|lolminer|nbminer)(?:\.exe)?$/, techniques: ['T1496'], weight: 2.5, claim: 'is a cryptocurrency miner' },
  { id: 'tool-dirlister', pattern: /(?:^|\\)(?:dirlister|sharpshares|sharefinder|netview)(?:\.exe)?$/, techniques: ['T1083', 'T1135'], weight: 0.5, claim: 'is a file and share listing tool' },
  { id: 'tool-sdelete', pattern: /(?:^|\\)sdelete(?:64a?)?(?:\.exe)?$/, techniques: ['T1070.004', 'T1485'], weight: 1, claim: 'is SDelete, a secure file wiper' },
  { id: 'tool-sysinternals-recon', pattern: /(?:^|\\)(?:psloggedon|pslist|psinfo|psgetsid|psfile|psservice|pskill|pspasswd|psshutdown|pssuspend|accesschk)(?:64)?(?:\.exe)?$/, techniques: ['T1588.002'], weight: 0.5, claim: 'is a Sysinternals PsTools utility' },
  { id: 'tool-hash-crackers', pattern: /(?:^|\\)(?:hashcat|john|hydra|medusa|ncrack)(?:\.exe)?$/, techniques: ['T1110'], weight: 2, claim: 'is a password cracking or guessing tool' },
];

/** First known-tool rule a lower-case path or bare name matches. */
export function knownTool(lowerPathOrName: string): TechniqueRule | undefined {
  if (lowerPathOrName.length === 0) return undefined;
  for (const rule of KNOWN_TOOLS) if (rule.pattern.test(lowerPathOrName)) return rule;
  return undefined;
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

const ON = /^1$/;
const OFF = /^0$/;

/** Matches value data that lists anything besides the given default package names. */
function onlyKnownPackages(known: string): RegExp {
  return new RegExp(`^(?!\\s*(?:""|(?:${known}))?(?:(?:\\s|,|;|\\\\0)+(?:""|${known}))*\\s*$)`, 'i');
}

/**
 * Registry autostart, privilege-escalation and defence-impairment locations. Patterns match the
 * normalized key path including the value name (`…\Run\Updater`); `data` reads the value data.
 */
export const REGISTRY_RULES: readonly RegistryRule[] = [
  // Autostart (persistence).
  { id: 'reg-run-key', pattern: /\\software\\microsoft\\windows\\currentversion\\(?:run|runonce|runonceex|runservices|runservicesonce|policies\\explorer\\run)\\/i, techniques: ['T1547.001'], weight: 1, claim: 'adds a Run-key autostart entry' },
  { id: 'reg-windows-load', pattern: /\\windows nt\\currentversion\\windows\\(?:load|run)$/i, techniques: ['T1547.001'], weight: 2, claim: 'sets the legacy Windows Load/Run autostart value' },
  { id: 'reg-startup-folder', pattern: /\\explorer\\(?:user )?shell folders\\(?:common )?startup$/i, data: /^(?!%(?:appdata|programdata|userprofile)%\\microsoft\\windows\\start menu\\programs\\startup$)/i, techniques: ['T1547.001'], weight: 2.5, claim: 'redirects the Startup folder' },
  { id: 'reg-winlogon-helper', pattern: /\\windows nt\\currentversion\\winlogon\\(?:userinit|shell|taskman|appsetup|vmapplet|notify\\)/i, data: /^(?!(?:c:\\windows\\system32\\)?userinit\.exe,?$|explorer\.exe$|sihost\.exe$)/i, techniques: ['T1547.004'], weight: 2.5, claim: 'changes a program Winlogon starts at logon' },
  { id: 'reg-logon-script', pattern: /\\environment\\userinitmprlogonscript$/i, techniques: ['T1037.001'], weight: 2.5, claim: 'sets a logon script that runs at every logon' },
  { id: 'reg-gpo-scripts', pattern: /\\policies\\microsoft\\windows\\system\\scripts\\(?:logon|logoff|startup|shutdown)\\/i, techniques: ['T1037.001'], weight: 1, claim: 'sets a Group Policy logon or startup script' },
  { id: 'reg-boot-execute', pattern: /\\control\\session manager\\(?:bootexecute|setupexecute|execute|s0initialcommand)$/i, data: /^(?!autocheck autochk \*$)./i, techniques: ['T1547.001'], weight: 2.5, claim: 'adds a program Session Manager runs at boot' },
  { id: 'reg-active-setup', pattern: /\\active setup\\installed components\\[^\\]+\\stubpath$/i, techniques: ['T1547.014'], weight: 1.2, claim: 'sets an Active Setup StubPath run at logon' },
  { id: 'reg-ifeo-accessibility', pattern: /\\image file execution options\\(?:sethc|utilman|osk|magnify|narrator|displayswitch|atbroker)\.exe\\debugger$/i, techniques: ['T1546.008', 'T1546.012'], weight: 3, claim: 'attaches a debugger to an accessibility program (logon-screen backdoor)' },
  { id: 'reg-ifeo-debugger', pattern: /\\image file execution options\\[^\\]+\\(?:debugger|globalflag|verifierdlls)$/i, techniques: ['T1546.012'], weight: 2.5, claim: 'sets an Image File Execution Options debugger or verifier hook' },
  { id: 'reg-silent-exit', pattern: /\\silentprocessexit\\[^\\]+\\(?:monitorprocess|reportingmode)$/i, techniques: ['T1546.012'], weight: 2.5, claim: 'registers a SilentProcessExit monitor program' },
  { id: 'reg-appinit', pattern: /\\windows nt\\currentversion\\windows\\(?:appinit_dlls|loadappinit_dlls)$/i, data: /^(?!0?$)./i, techniques: ['T1546.010'], weight: 2.5, claim: 'sets AppInit_DLLs, loaded into every GUI process' },
  { id: 'reg-appcert', pattern: /\\control\\session manager\\appcertdlls\\/i, techniques: ['T1546.009'], weight: 2.5, claim: 'registers an AppCert DLL' },
  { id: 'reg-service-imagepath', pattern: /\\currentcontrolset\\services\\[^\\]+\\imagepath$/i, techniques: ['T1543.003'], weight: 0.6, claim: 'sets the program of a Windows service' },
  { id: 'reg-service-dll', pattern: /\\currentcontrolset\\services\\[^\\]+\\parameters\\servicedll$/i, techniques: ['T1543.003'], weight: 1.5, claim: 'sets the DLL of a svchost service' },
  { id: 'reg-termservice-dll', pattern: /\\services\\termservice\\parameters\\servicedll$/i, data: /^(?!%systemroot%\\system32\\termsrv\.dll$|c:\\windows\\system32\\termsrv\.dll$)/i, techniques: ['T1505.005'], weight: 3, claim: 'replaces the Terminal Services DLL' },
  { id: 'reg-service-failure', pattern: /\\currentcontrolset\\services\\[^\\]+\\failurecommand$/i, techniques: ['T1543.003'], weight: 1.5, claim: 'sets a service failure command' },
  { id: 'reg-com-treatas', pattern: /\\classes\\clsid\\\{[^\\]+\}\\treatas\\/i, techniques: ['T1546.015'], weight: 2, claim: 'redirects a COM class with TreatAs' },
  { id: 'reg-com-hkcu', pattern: /^hkcu\\software\\classes\\(?:wow6432node\\)?clsid\\\{[^\\]+\}\\(?:inprocserver32|localserver32|inprochandler32|scriptleturl)\\/i, techniques: ['T1546.015'], weight: 0.6, claim: 'registers a per-user COM server (COM hijacking)' },
  { id: 'reg-uac-shell-open', pattern: /\\classes\\(?:ms-settings|mscfile|exefile|folder|launcher\.systemsettings|appx82a6gwre4fdg3bt635tn5ctqjf8msdd2|directory)\\shell\\(?:open|runas)\\command\\/i, techniques: ['T1548.002'], weight: 3, claim: 'hijacks a shell open command that an auto-elevating program runs (UAC bypass)' },
  { id: 'reg-uac-environment', pattern: /^hkcu\\environment\\(?:windir|systemroot)$/i, techniques: ['T1548.002'], weight: 3, claim: 'overrides %windir% for the user, a UAC bypass through scheduled tasks' },
  { id: 'reg-file-association', pattern: /\\classes\\(?:\.[a-z0-9]+|[a-z0-9]+file)\\(?:shell\\[^\\]+\\command\\|\(default\)$)/i, techniques: ['T1546.001'], weight: 0.6, claim: 'changes a file-type association' },
  { id: 'reg-port-monitor', pattern: /\\control\\print\\monitors\\[^\\]+\\driver$/i, techniques: ['T1547.010'], weight: 2.5, claim: 'registers a print port monitor DLL' },
  { id: 'reg-print-processor', pattern: /\\control\\print\\environments\\[^\\]+\\print processors\\[^\\]+\\driver$/i, techniques: ['T1547.012'], weight: 2.5, claim: 'registers a print processor DLL' },
  { id: 'reg-lsa-security-packages', pattern: /\\control\\lsa\\(?:osconfig\\)?security packages$/i, data: onlyKnownPackages('kerberos|msv1_0|schannel|wdigest|tspkg|pku2u|cloudap|negoexts|livessp'), techniques: ['T1547.005'], weight: 2.5, claim: 'adds an LSA security support provider' },
  { id: 'reg-lsa-auth-packages', pattern: /\\control\\lsa\\authentication packages$/i, data: onlyKnownPackages('msv1_0'), techniques: ['T1547.002'], weight: 2.5, claim: 'adds an LSA authentication package' },
  { id: 'reg-lsa-notification', pattern: /\\control\\lsa\\notification packages$/i, data: onlyKnownPackages('scecli|rassfm|fpnwclnt|kdcsvc'), techniques: ['T1556.002'], weight: 2.5, claim: 'adds an LSA password filter DLL' },
  { id: 'reg-security-providers', pattern: /\\control\\securityproviders\\securityproviders$/i, techniques: ['T1547.005'], weight: 2.5, claim: 'changes the registered security providers' },
  { id: 'reg-ntds-extension', pattern: /\\services\\ntds\\(?:lsadbextpt|directoryserviceextpt)$/i, techniques: ['T1547.008'], weight: 2.5, claim: 'registers an LSASS driver extension' },
  { id: 'reg-time-provider', pattern: /\\services\\w32time\\timeproviders\\[^\\]+\\dllname$/i, techniques: ['T1547.003'], weight: 2, claim: 'registers a time provider DLL' },
  { id: 'reg-network-provider', pattern: /\\control\\networkprovider\\order\\providerorder$|\\services\\[^\\]+\\networkprovider\\providerpath$/i, techniques: ['T1556.008'], weight: 2, claim: 'registers a network provider DLL that sees logon passwords' },
  { id: 'reg-netsh-helper', pattern: /\\software\\microsoft\\netsh\\/i, techniques: ['T1546.007'], weight: 2.5, claim: 'registers a netsh helper DLL' },
  { id: 'reg-shim-db', pattern: /\\windows nt\\currentversion\\appcompatflags\\(?:custom|installedsdb)\\/i, techniques: ['T1546.011'], weight: 2, claim: 'installs an application compatibility shim' },
  { id: 'reg-cmd-autorun', pattern: /\\software\\microsoft\\command processor\\autorun$/i, techniques: ['T1546'], weight: 2.5, claim: 'sets a command that runs whenever cmd.exe starts' },
  { id: 'reg-cor-profiler', pattern: /\\environment\\(?:cor_profiler|cor_enable_profiling|cor_profiler_path|coreclr_profiler\w*)$/i, techniques: ['T1574.012'], weight: 2.5, claim: 'sets a .NET profiler loaded into managed processes' },
  { id: 'reg-app-paths', pattern: /\\currentversion\\app paths\\[^\\]+\\\(default\)$/i, data: /\\(?:users\\public|appdata\\|temp\\|programdata\\|downloads\\)/i, techniques: ['T1546'], weight: 1.5, claim: 'points an App Paths entry into a user-writable folder' },
  { id: 'reg-office-test', pattern: /\\software\\microsoft\\office test\\special\\perf\\/i, techniques: ['T1137.002'], weight: 3, claim: 'sets the Office Test DLL loaded by every Office program' },
  { id: 'reg-office-addin', pattern: /\\software\\microsoft\\office\\[^\\]+\\(?:[^\\]+\\)?addins\\[^\\]+\\(?:loadbehavior|manifest|\(default\))$/i, techniques: ['T1137.006'], weight: 1, claim: 'registers an Office add-in' },
  { id: 'reg-outlook-home-page', pattern: /\\office\\[^\\]+\\outlook\\(?:webview\\[^\\]+\\url|today\\userdefinedurl)$/i, techniques: ['T1137.004'], weight: 2.5, claim: 'sets an Outlook folder home page' },
  { id: 'reg-outlook-macros', pattern: /\\office\\[^\\]+\\outlook\\(?:loadmacroprovideronboot|security\\level)$/i, techniques: ['T1137'], weight: 1.5, claim: 'enables Outlook macros at start-up' },
  { id: 'reg-hidden-user', pattern: /\\winlogon\\specialaccounts\\userlist\\/i, data: OFF, techniques: ['T1564.002'], weight: 3, claim: 'hides a user account from the logon screen' },
  { id: 'reg-sam-hidden-user', pattern: /^hklm\\sam\\sam\\domains\\account\\users\\names\\[^\\]+\$(?:\\|$)/i, techniques: ['T1136.001', 'T1564.002'], weight: 2.5, claim: 'creates a local account whose name ends with $, hidden from net user' },
  { id: 'reg-sam-new-user', pattern: /^hklm\\sam\\sam\\domains\\account\\users\\names\\[^\\$]+(?:\\|$)/i, techniques: ['T1136.001'], weight: 0.8, claim: 'creates a local user account' },
  { id: 'reg-sysinternals-eula', pattern: /\\software\\sysinternals\\[^\\]+\\eulaaccepted$/i, techniques: ['T1588.002'], weight: 0.5, claim: 'records that a Sysinternals tool ran (its licence was accepted)' },
  { id: 'reg-scheduled-task-action', pattern: /\\schedule\\taskcache\\tasks\\\{[^\\]+\}\\actions$/i, techniques: ['T1053.005'], weight: 1, claim: 'writes the action of a scheduled task' },
  { id: 'reg-scheduled-task-hide', pattern: /\\schedule\\taskcache\\tree\\.+\\(?:sd|index)$/i, change: 'delete', techniques: ['T1053.005', 'T1564'], weight: 2.5, claim: 'removes a scheduled task security descriptor or index, hiding the task' },
  { id: 'reg-scheduled-task-sd-zero', pattern: /\\schedule\\taskcache\\tree\\.+\\index$/i, data: OFF, techniques: ['T1053.005', 'T1564'], weight: 2.5, claim: 'zeroes a scheduled task index, hiding the task' },
  { id: 'reg-aedebug', pattern: /\\windows nt\\currentversion\\aedebug\\debugger$|\\\.netframework\\dbgmanageddebugger$/i, data: /^(?!"?(?:[a-z]:\\windows\\system32\\)?(?:vsjitdebugger|drwtsn32|werfault)\.exe|.*\\windows kits\\)/i, techniques: ['T1546'], weight: 2, claim: 'sets the just-in-time debugger that runs when a program crashes' },
  { id: 'reg-screensaver', pattern: /\\control panel\\desktop\\scrnsave\.exe$/i, data: /^(?!(?:c:\\windows\\system32\\|%systemroot%\\system32\\)?[\w-]+\.scr$)/i, techniques: ['T1546.002'], weight: 1.5, claim: 'sets a screensaver program outside the Windows folder' },
  { id: 'reg-com-server-staging', pattern: /\\clsid\\\{[^\\]+\}\\(?:inprocserver32|localserver32)\\\(default\)$/i, data: /\\(?:users\\public|appdata\\|temp\\|programdata\\[^\\]+\.dll|perflogs)/i, techniques: ['T1546.015'], weight: 1.5, claim: 'registers a COM server in a user-writable folder' },
  { id: 'reg-portproxy', pattern: /\\services\\portproxy\\v[46]tov[46]\\/i, techniques: ['T1090.001'], weight: 2, claim: 'adds a port forwarding proxy' },
  { id: 'reg-wer-lsass-dump', pattern: /\\windows error reporting\\localdumps\\lsass\.exe\\/i, techniques: ['T1003.001'], weight: 2.5, claim: 'makes Windows Error Reporting write full LSASS dumps' },

  // Privilege escalation and credential access.
  { id: 'reg-uac-disable', pattern: /\\policies\\system\\(?:enablelua|consentpromptbehavioradmin|promptonsecuredesktop)$/i, data: OFF, techniques: ['T1548.002', 'T1112'], weight: 2, claim: 'turns off a UAC protection' },
  { id: 'reg-token-filter', pattern: /\\policies\\system\\localaccounttokenfilterpolicy$/i, data: ON, techniques: ['T1112', 'T1021.002'], weight: 1.5, claim: 'gives remote local administrators full tokens (LocalAccountTokenFilterPolicy)' },
  { id: 'reg-wdigest', pattern: /\\securityproviders\\wdigest\\uselogoncredential$/i, data: ON, techniques: ['T1112', 'T1003.001'], weight: 2.5, claim: 'makes WDigest keep clear-text passwords in LSASS memory' },
  { id: 'reg-lsa-ppl-off', pattern: /\\control\\lsa\\(?:runasppl|runasppl boot|lsacfgflags)$/i, data: OFF, techniques: ['T1562.001', 'T1112'], weight: 2, claim: 'turns off LSA protection' },
  { id: 'reg-ntlm-downgrade', pattern: /\\control\\lsa\\(?:lmcompatibilitylevel|msv1_0\\ntlmminclientsec|msv1_0\\restrictsendingntlmtraffic)$/i, data: /^[0-2]$/, techniques: ['T1562.010', 'T1112'], weight: 1.5, claim: 'downgrades NTLM authentication' },
  { id: 'reg-restricted-admin', pattern: /\\control\\lsa\\disablerestrictedadmin$/i, data: OFF, techniques: ['T1550.002', 'T1112'], weight: 1.5, claim: 'enables RDP Restricted Admin mode, which accepts pass-the-hash' },
  { id: 'reg-autologon-password', pattern: /\\winlogon\\defaultpassword$/i, techniques: ['T1552.002'], weight: 1.5, claim: 'stores an automatic-logon password in clear text' },
  { id: 'reg-point-and-print', pattern: /\\printers\\pointandprint\\(?:nowarningnoelevationoninstall|restrictdriverinstallationtoadministrators|updatepromptsettings)$/i, techniques: ['T1068', 'T1112'], weight: 1.5, claim: 'weakens Point and Print driver installation (PrintNightmare)' },

  // Remote access.
  { id: 'reg-rdp-enable', pattern: /\\control\\terminal server\\fdenytsconnections$/i, data: OFF, techniques: ['T1021.001', 'T1112'], weight: 1.5, claim: 'enables Remote Desktop' },
  { id: 'reg-remote-assistance', pattern: /\\control\\terminal server\\(?:fallowtogethelp|fallowfullcontrol)$/i, data: ON, techniques: ['T1021.001', 'T1112'], weight: 1, claim: 'enables Remote Assistance' },
  { id: 'reg-rdp-port', pattern: /\\terminal server\\winstations\\rdp-tcp\\portnumber$/i, data: /^(?!3389$)\d+$/, techniques: ['T1112', 'T1571'], weight: 1.5, claim: 'moves Remote Desktop to a non-standard port' },
  { id: 'reg-rdp-nla-off', pattern: /\\terminal server\\winstations\\rdp-tcp\\(?:userauthentication|securitylayer)$/i, data: OFF, techniques: ['T1112'], weight: 1, claim: 'turns off Remote Desktop network-level authentication' },
  { id: 'reg-rdp-shadow', pattern: /\\(?:terminal services|terminal server(?:\\winstations\\rdp-tcp)?)\\shadow$/i, data: /^[24]$/, techniques: ['T1563.002', 'T1112'], weight: 2, claim: 'allows watching or controlling RDP sessions without consent' },
  { id: 'reg-rdp-multi-session', pattern: /\\control\\terminal server\\fsinglesessionperuser$/i, data: OFF, techniques: ['T1112'], weight: 1, claim: 'allows several RDP sessions per user' },

  // Defence impairment.
  { id: 'reg-defender-off', pattern: /\\(?:policies\\)?microsoft\\windows defender\\(?:disableantispyware|disableantivirus|(?:real-time protection\\)?disable(?:realtimemonitoring|behaviormonitoring|onaccessprotection|scanonrealtimeenable|ioavprotection|scriptscanning|blockatfirstseen|intrusionpreventionsystem|rawwritenotification))$/i, data: ON, techniques: ['T1562.001', 'T1112'], weight: 3, claim: 'turns off Microsoft Defender protection' },
  { id: 'reg-defender-exclusion', pattern: /\\microsoft\\windows defender\\exclusions\\(?:paths|extensions|processes|ipaddresses)\\/i, techniques: ['T1562.001', 'T1564.012'], weight: 2, claim: 'adds a Microsoft Defender exclusion' },
  { id: 'reg-defender-tamper', pattern: /\\microsoft\\windows defender\\features\\(?:tamperprotection|tamperprotectionsource)$/i, data: /^[04]$/, techniques: ['T1562.001', 'T1112'], weight: 3, claim: 'turns off Defender tamper protection' },
  { id: 'reg-defender-cloud', pattern: /\\windows defender\\spynet\\(?:spynetreporting|submitsamplesconsent)$/i, data: /^[02]$/, techniques: ['T1562.001', 'T1112'], weight: 1.5, claim: 'turns off Defender cloud protection or sample submission' },
  { id: 'reg-defender-pua', pattern: /\\windows defender\\(?:mpengine\\mpenablepus|puaprotection)$/i, data: OFF, techniques: ['T1562.001', 'T1112'], weight: 1.2, claim: 'turns off Defender PUA protection' },
  { id: 'reg-security-notifications', pattern: /\\(?:windows defender security center\\notifications\\disable(?:enhanced)?notifications|security center\\(?:antivirus|firewall|updates)disablenotify|explorer\\disablenotificationcenter|policies\\explorer\\hidescahealth)$/i, data: ON, techniques: ['T1562.001', 'T1112'], weight: 1.5, claim: 'hides security notifications' },
  { id: 'reg-action-center-off', pattern: /\\immersiveshell\\useactioncenterexperience$|\\pushnotifications\\toastenabled$/i, data: OFF, techniques: ['T1562.001', 'T1112'], weight: 1, claim: 'turns off the notification centre that shows security alerts' },
  { id: 'reg-security-service-disabled', pattern: /\\currentcontrolset\\services\\(?:windefend|wdnissvc|wdnisdrv|wdboot|wdfilter|sense|securityhealthservice|wscsvc|sysmon\w*|sysmondrv|msmpsvc|mpsdrv)\\start$/i, data: /^4$/, techniques: ['T1562.001', 'T1112'], weight: 3, claim: 'disables a security service' },
  { id: 'reg-firewall-service-disabled', pattern: /\\currentcontrolset\\services\\(?:mpssvc|bfe|sharedaccess)\\start$/i, data: /^4$/, techniques: ['T1562.004', 'T1112'], weight: 2.5, claim: 'disables the Windows Firewall service' },
  { id: 'reg-eventlog-service-disabled', pattern: /\\currentcontrolset\\services\\eventlog\\start$/i, data: /^4$/, techniques: ['T1562.002', 'T1112'], weight: 3, claim: 'disables the Windows Event Log service' },
  { id: 'reg-vss-disabled', pattern: /\\currentcontrolset\\services\\(?:vss|swprv|wbengine)\\start$/i, data: /^4$/, techniques: ['T1490', 'T1112'], weight: 2.5, claim: 'disables the Volume Shadow Copy or backup service' },
  { id: 'reg-amsi-provider-delete', pattern: /\\microsoft\\amsi\\providers\\\{/i, change: 'delete', techniques: ['T1562.001', 'T1112'], weight: 3, claim: 'removes an AMSI provider, blinding script scanning' },
  { id: 'reg-amsi-provider-add', pattern: /\\microsoft\\amsi\\providers\\\{/i, techniques: ['T1546', 'T1112'], weight: 1, claim: 'registers an AMSI provider DLL, loaded into every script host' },
  { id: 'reg-wsh-amsi-off', pattern: /\\windows script host\\settings\\amsienable$/i, data: OFF, techniques: ['T1562.001', 'T1112'], weight: 2.5, claim: 'turns off AMSI scanning for Windows Script Host' },
  { id: 'reg-powershell-logging-off', pattern: /\\policies\\microsoft\\windows\\powershell\\(?:scriptblocklogging\\enablescriptblock(?:logging|invocationlogging)|modulelogging\\enablemodulelogging|transcription\\enabletranscripting)$/i, data: OFF, techniques: ['T1562.002', 'T1112'], weight: 2.5, claim: 'turns off PowerShell logging' },
  { id: 'reg-autologger-off', pattern: /\\control\\wmi\\autologger\\[^\\]+\\(?:\{[^\\]+\}\\)?(?:start|enabled|enableproperty)$/i, data: OFF, techniques: ['T1562.002', 'T1112'], weight: 2, claim: 'stops an event-tracing autologger session' },
  { id: 'reg-event-channel-off', pattern: /\\winevt\\channels\\[^\\]+\\enabled$/i, data: OFF, techniques: ['T1562.002', 'T1112'], weight: 2, claim: 'disables an event log channel' },
  { id: 'reg-eventlog-redirect', pattern: /\\currentcontrolset\\services\\eventlog\\[^\\]+\\(?:file|maxsize|retention|autobackuplogfiles)$/i, techniques: ['T1562.002', 'T1112'], weight: 1, claim: 'changes where or how much an event log keeps' },
  { id: 'reg-firewall-off', pattern: /\\(?:firewallpolicy|policies\\microsoft\\windowsfirewall)\\(?:standardprofile|domainprofile|publicprofile|privateprofile)\\enablefirewall$/i, data: OFF, techniques: ['T1562.004', 'T1112'], weight: 2.5, claim: 'turns off a Windows Firewall profile' },
  { id: 'reg-firewall-rule', pattern: /\\firewallpolicy\\firewallrules\\/i, data: /action=allow/i, techniques: ['T1562.004'], weight: 0.8, claim: 'adds an allow rule to Windows Firewall' },
  { id: 'reg-safe-boot-service', pattern: /\\control\\safeboot\\(?:minimal|network)\\[^\\]+(?:\\\(default\))?$/i, techniques: ['T1562.009', 'T1112'], weight: 2, claim: 'registers a service to start in Safe Mode' },
  { id: 'reg-safe-boot-shell', pattern: /\\control\\safeboot\\alternateshell$/i, data: /^(?!cmd\.exe$)/i, techniques: ['T1562.009', 'T1112'], weight: 2.5, claim: 'replaces the Safe Mode shell' },
  { id: 'reg-hvci-off', pattern: /\\control\\deviceguard\\(?:enablevirtualizationbasedsecurity|requireplatformsecurityfeatures|scenarios\\(?:hypervisorenforcedcodeintegrity|credentialguard)\\enabled)$|\\policies\\microsoft\\windows\\deviceguard\\(?:enablevirtualizationbasedsecurity|hypervisorenforcedcodeintegrity|lsacfgflags)$/i, data: OFF, techniques: ['T1562.001', 'T1112'], weight: 2.5, claim: 'turns off virtualization-based security or HVCI' },
  { id: 'reg-driver-blocklist-off', pattern: /\\control\\ci\\config\\vulnerabledriverblocklistenable$/i, data: OFF, techniques: ['T1562.001', 'T1112'], weight: 2.5, claim: 'turns off the vulnerable driver blocklist' },
  { id: 'reg-system-restore-off', pattern: /\\windows nt\\(?:currentversion\\)?systemrestore\\(?:disablesr|disableconfig)$/i, data: ON, techniques: ['T1490', 'T1112'], weight: 2.5, claim: 'turns off System Restore' },
  { id: 'reg-admin-shares-off', pattern: /\\services\\lanmanserver\\parameters\\autoshare(?:server|wks)$/i, data: OFF, techniques: ['T1070.005', 'T1112'], weight: 1.5, claim: 'stops Windows from creating the administrative shares' },
  { id: 'reg-null-session-shares', pattern: /\\services\\lanmanserver\\parameters\\(?:nullsessionshares|nullsessionpipes)$/i, data: /[a-z]/i, techniques: ['T1112'], weight: 1, claim: 'opens shares or pipes to anonymous (null session) access' },
  { id: 'reg-anonymous-everyone', pattern: /\\control\\lsa\\everyoneincludesanonymous$/i, data: ON, techniques: ['T1112'], weight: 1, claim: 'gives anonymous users the rights of Everyone' },
  { id: 'reg-insecure-guest', pattern: /\\lanmanworkstation\\parameters\\allowinsecureguestauth$/i, data: ON, techniques: ['T1112'], weight: 1, claim: 'allows insecure guest SMB logons' },
  { id: 'reg-task-manager-off', pattern: /\\policies\\system\\(?:disabletaskmgr|disableregistrytools|disablecmd)$/i, data: /^[12]$/, techniques: ['T1562.001', 'T1112'], weight: 2, claim: 'blocks Task Manager, the registry editor or the command prompt' },
  { id: 'reg-hidden-files', pattern: /\\explorer\\advanced\\(?:hidden|showsuperhidden)$/i, data: /^[02]$/, techniques: ['T1564.001', 'T1112'], weight: 1.5, claim: 'hides hidden and system files from Explorer' },
  { id: 'reg-hide-extensions', pattern: /\\explorer\\advanced\\hidefileext$/i, data: ON, techniques: ['T1036.007', 'T1112'], weight: 0.8, claim: 'hides file extensions in Explorer' },
  { id: 'reg-crash-dump-off', pattern: /\\control\\crashcontrol\\crashdumpenabled$/i, data: OFF, techniques: ['T1112'], weight: 0.8, claim: 'turns off crash dumps' },
  { id: 'reg-minint', pattern: /\\currentcontrolset\\control\\minint(?:\\|$)/i, techniques: ['T1562.002', 'T1112'], weight: 2.5, claim: 'creates the MiniNt key, which stops event logging' },
  { id: 'reg-etw-off', pattern: /\\(?:\.netframework\\etwenabled|environment\\complus_etwenabled)$/i, data: OFF, techniques: ['T1562.006', 'T1112'], weight: 2.5, claim: 'turns off .NET event tracing' },
  { id: 'reg-motw-off', pattern: /\\policies\\attachments\\savezoneinformation$/i, data: ON, techniques: ['T1553.005', 'T1112'], weight: 1.5, claim: 'stops Windows from marking downloads as coming from the internet' },
  { id: 'reg-controlled-folder-off', pattern: /\\windows defender exploit guard\\controlled folder access\\enablecontrolledfolderaccess$/i, data: OFF, techniques: ['T1562.001', 'T1112'], weight: 1.5, claim: 'turns off Defender controlled folder access' },
  { id: 'reg-prefetch-off', pattern: /\\memory management\\prefetchparameters\\enableprefetcher$/i, data: OFF, techniques: ['T1070', 'T1112'], weight: 1, claim: 'turns off Prefetch, a forensic record of execution' },
  { id: 'reg-office-dde', pattern: /\\office\\[^\\]+\\(?:word|excel)\\(?:security\\)?(?:allowdde|dontupdatelinks|options\\dontupdatelinks)$/i, techniques: ['T1559.002', 'T1112'], weight: 1.2, claim: 'changes Office DDE or link-update protection' },
  { id: 'reg-office-macros', pattern: /\\office\\[^\\]+\\[^\\]+\\security\\(?:vbawarnings|accessvbom|blockcontentexecutionfrominternet|disableinternetfilesinpv|disableattachementsinpv|disableunsafelocationsinpv|excelbypassencryptedmacroscan|macroruntimescanscope)$/i, data: /^(?:1|0)$/, techniques: ['T1562.001', 'T1112'], weight: 2, claim: 'weakens Office macro or Protected View security' },
  { id: 'reg-office-trusted-location', pattern: /\\office\\[^\\]+\\[^\\]+\\security\\trusted locations\\[^\\]+\\(?:path|allowsubfolders)$/i, techniques: ['T1112'], weight: 1.2, claim: 'adds an Office trusted location, where macros run unprompted' },
  { id: 'reg-ie-zone-map', pattern: /\\internet settings\\zonemap\\(?:domains|escdomains|ranges)\\/i, data: /^[12]$/, techniques: ['T1112'], weight: 1, claim: 'adds a site to the Intranet or Trusted security zone' },
  { id: 'reg-ie-zone-security', pattern: /\\internet settings\\zones\\[0-4]\\(?:1201|1400|1406|1806|2500|270c)$/i, data: OFF, techniques: ['T1112'], weight: 1, claim: 'loosens an Internet Explorer security zone setting' },
  { id: 'reg-smartscreen-off', pattern: /\\(?:policies\\microsoft\\windows\\system\\enablesmartscreen|explorer\\smartscreenenabled|microsoft\\edge\\smartscreenenabled)$/i, data: /^(?:0|off)$/i, techniques: ['T1562.001', 'T1112'], weight: 1.5, claim: 'turns off SmartScreen' },
];

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

/** Scales positive weights down so together they stay under `max`: correlated signs of one act. */
export function capPositiveWeights<T extends { weight: number }>(findings: T[], max: number): T[] {
  let total = 0;
  for (const finding of findings) if (finding.weight > 0) total += finding.weight;
  if (total <= max) return findings;
  const factor = max / total;
  for (const finding of findings) if (finding.weight > 0) finding.weight = Math.round(finding.weight * factor * 100) / 100;
  return findings;
}

/**
 * One finding per knowledge rule: several events of one alert (or several processes) that match the
 * same rule describe one act, so only the strongest is kept. Rules are told apart by their
 * `knowledge:<id>` ref.
 */
export function keepStrongestPerRule<T extends { weight: number; refs: string[] }>(findings: T[]): T[] {
  const byRule = new Map<string, number>();
  const kept: T[] = [];
  for (const finding of findings) {
    const rule = finding.refs.find((ref) => ref.startsWith('knowledge:'));
    const at = rule === undefined ? undefined : byRule.get(rule);
    if (rule === undefined || at === undefined) {
      if (rule !== undefined) byRule.set(rule, kept.length);
      kept.push(finding);
    } else if (finding.weight > (kept[at] as T).weight) {
      kept[at] = finding;
    }
  }
  return kept;
}
