import type { TechniqueRule } from './technique-inference.js';

/** What command-line knowledge looks like, and the program groups and patterns its tables share. */

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
export const PS = ['powershell', 'pwsh', 'powershell_ise'];
export const DOWNLOADERS = ['curl', 'wget', 'certutil', 'bitsadmin', 'powershell', 'pwsh', 'mshta', 'msiexec', 'regsvr32', 'hh', 'finger', 'tftp', 'desktopimgdownldr', 'mpcmdrun', 'certreq', 'esentutl', 'chrome', 'msedge', 'firefox', 'iexplore', 'brave', 'opera'];
export const TAMPER_TOOLS = ['sc', 'net', 'net1', 'taskkill', 'wmic', 'powershell', 'pwsh', 'cmd', 'msiexec', 'reg', 'advancedrun', 'nsudo', 'pskill', 'pskill64'];
export const BROWSERS = ['chrome', 'msedge', 'brave', 'opera', 'vivaldi', 'firefox', 'iexplore', 'chromium'];
/** User-writable folders payloads are staged in (regex source, lower-case path with backslashes). */
export const STAGING = String.raw`\\(?:users\\public|perflogs|windows\\temp|appdata\\local\\temp|appdata\\roaming|programdata|\$recycle\.bin|downloads|temp)\\`;
/** Service and process names of security products and sensors (regex source). */
export const SECURITY_PRODUCTS = String.raw`windefend|wdnissvc|wdfilter|wdboot|\bsense\b|securityhealthservice|wscsvc|msmpeng|sysmon\w*|sophos\w*|mcafee\w*|symantec|sepmasterservice|\bsepwsc|crowdstrike|csagent|csfalcon\w*|cbdefense|carbonblack|cylance\w*|sentinel(?:agent|one|helper)\w*|\beset\w*|ekrn|kaspersky|\bavp\b|bdagent|bitdefender|malwarebytes|mbam\w*|trend ?micro|ntrtscan|tmlisten|\bavast\w*|\bavg\w*|norton|webroot|f-secure|xagt|elastic-agent|winlogbeat|splunkd|ossec|wazuh\w*|velociraptor|cortex|cyserver|traps`;
export const TAMPER_VERBS = String.raw`\bstop\b|start=\s*disabled|startuptype\s+disabled|\bdelete\b|taskkill|\bkill\b|uninstall|stopservice|stop-service|stop-process|\bpause\b|\bunload\b`;
