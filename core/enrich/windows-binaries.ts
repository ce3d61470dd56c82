import type { TechniqueRule } from './technique-inference.js';

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
