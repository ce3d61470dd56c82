import type { TechniqueRule } from './technique-inference.js';

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
