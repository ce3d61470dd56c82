import type { BenignReason } from '../spec/evidence.js';

/**
 * General knowledge of what words in an alert title mean, drawn from vendor taxonomies
 * (Emerging Threats signature categories, Suricata decoder events, HIDS rule groups, anomaly
 * detectors) and ATT&CK. This is content, kept as data: one row per concept, no product-specific
 * alert names. Weights are natural-log likelihood ratios for "caused by an attack".
 */
export interface TaxonomyEntry {
  id: string;
  pattern: RegExp;
  weight: number;
  claim: string;
  benignReason?: BenignReason;
  attack?: string[];
}

export const ALERT_TAXONOMY: readonly TaxonomyEntry[] = [
  // Emerging Threats / Snort signature categories (the category is the second word of the signature).
  { id: 'et-info', pattern: /\b(?:et|etpro) info\b/, weight: -0.5, claim: 'an Emerging Threats INFO signature, which records notable but usually legitimate traffic', benignReason: 'expected_activity' },
  { id: 'et-policy', pattern: /\b(?:et|etpro) policy\b/, weight: -0.7, claim: 'an Emerging Threats POLICY signature, which flags software and protocols that organisations often allow', benignReason: 'expected_activity' },
  { id: 'et-hunting', pattern: /\b(?:et|etpro) hunting\b/, weight: -0.2, claim: 'an Emerging Threats HUNTING signature, a low-fidelity lead meant for threat hunting' },
  { id: 'et-dns', pattern: /\b(?:et|etpro) dns\b/, weight: -0.2, claim: 'an Emerging Threats DNS signature about query patterns rather than known-bad names' },
  { id: 'et-scan', pattern: /\b(?:et|etpro) scan\b/, weight: 1.2, claim: 'an Emerging Threats SCAN signature: reconnaissance traffic', attack: ['T1595'] },
  { id: 'et-exploit', pattern: /\b(?:et|etpro|gpl) (?:exploit|web_server|web_specific_apps|attack_response|shellcode|sql|exploit_kit)\b/, weight: 2.0, claim: 'an exploitation signature category (EXPLOIT / WEB_SERVER / ATTACK_RESPONSE)', attack: ['T1190'] },
  { id: 'et-malware', pattern: /\b(?:et|etpro) (?:malware|trojan|cnc|mobile_malware|phishing|current_events|coinmining|worm|botcc|compromised|drop)\b/, weight: 2.2, claim: 'a malware / command-and-control signature category', attack: ['T1071'] },
  { id: 'et-user-agent', pattern: /\b(?:et|etpro) user_agents\b/, weight: 0.5, claim: 'an Emerging Threats USER_AGENTS signature (tool or malware user agent)' },
  { id: 'et-tor', pattern: /\b(?:et|etpro) tor\b/, weight: 0.5, claim: 'Tor traffic signature', attack: ['T1090.003'] },
  // Suricata's own decoder and app-layer events: protocol anomalies, usually broken clients.
  { id: 'suricata-decoder', pattern: /\bsuricata (?:tls|http|http2|smtp|dns|ssh|ftp|smb|stream|ipv4|ipv6|tcp|udp|icmpv4|icmpv6|applayer|decoder)\b.*\b(?:invalid|unable to match|decompression failed|unsolicited|malformed|bad|wrong|excessive|overflow|missing|unknown|failed|truncated|anomaly)\b/, weight: -0.8, claim: 'a protocol-decoder event: the sensor could not parse the traffic, which broken or unusual clients cause far more often than attacks', benignReason: 'detection_error' },
  // Routine operations.
  { id: 'routine-update', pattern: /\b(?:database|signature|signatures|definitions?|virus definitions?|rules?) (?:update|updated|reload(?:ed)?)\b|\bupdate (?:completed|successful|succeeded)\b/, weight: -1.3, claim: 'a routine maintenance event (signature or database update)', benignReason: 'expected_activity' },
  { id: 'package-management', pattern: /\bpackage management\b|\bapt user-agent\b|\bwindows update\b|\bsoftware update\b|\byum\b|\bdnf\b/, weight: -1.0, claim: 'package-management traffic', benignReason: 'expected_activity' },
  { id: 'auth-success', pattern: /\b(?:authentication|login|logon|log on|auth) (?:success|succeeded|successful)\b|\bsession (?:opened|closed)\b|\baccepted (?:password|publickey)\b|\bsuccessful (?:login|logon|authentication)\b/, weight: -0.6, claim: 'a successful sign-in or session event, ordinary activity unless its context is unusual', benignReason: 'expected_activity' },
  { id: 'auth-failure', pattern: /\b(?:login|logon|authentication|auth) fail(?:ed|ure)s?\b|\binvalid user\b|\bfailed password\b/, weight: 0, claim: 'a failed sign-in; single failures are common typos, repetition is what matters' },
  { id: 'resource-metric', pattern: /\b(?:cpu|memory|disk|load|swap)\b.*\b(?:deviates|out of (?:the )?expected range|above|threshold|usage)\b/, weight: -0.6, claim: 'a performance-metric deviation, rarely security-relevant on its own', benignReason: 'detection_error' },
  { id: 'meta-ids', pattern: /\bids (?:event|alert)s?\b|\bmultiple ids (?:alerts|events)\b|\bfirst time this ids alert\b/, weight: -0.4, claim: 'a host agent re-reporting alerts of a network sensor; the sensor alert itself carries the signal' },
  { id: 'selinux-apparmor', pattern: /\b(?:selinux|apparmor) (?:permission|denied|check)\b/, weight: -0.3, claim: 'a mandatory-access-control check, mostly policy noise', benignReason: 'detection_error' },
  // Statistical anomaly detectors: novelty without a known-bad pattern.
  { id: 'anomaly-novelty', pattern: /^(?:new |unusual |high entropy|new characters|unusual occurrence|value deviates|value out of)/, weight: -0.3, claim: 'a statistical anomaly detector (novelty or frequency), which flags change rather than known-bad behaviour', benignReason: 'detection_error' },
  // Attack vocabulary.
  { id: 'web-attack', pattern: /\b(?:web attack|sql injection|sqli|xss|cross.site scripting|command injection|directory traversal|path traversal|shellshock|remote file inclusion|local file inclusion|web ?shell)\b/, weight: 2.0, claim: 'a web-attack detection (injection, traversal or web shell)', attack: ['T1190'] },
  { id: 'web-recon', pattern: /\b(?:forbidden (?:file|directory)|directory index|suspicious url|access to forbidden)\b/, weight: 0.5, claim: 'access to forbidden or suspicious web paths, typical of content discovery', attack: ['T1595.003'] },
  { id: 'web-error-burst', pattern: /\bmultiple web server 4\d\d\b|\bmultiple (?:400|404) errors?\b/, weight: 1.2, claim: 'many web errors from one source: content discovery or a scanner', attack: ['T1595.003'] },
  { id: 'brute-force', pattern: /\bbrute.?force\b|\bpassword spray|\bmultiple (?:auth(?:entication)? )?failures\b|\bmultiple failed (?:logins|logons)\b/, weight: 0.8, claim: 'repeated authentication failures (brute force or spraying)', attack: ['T1110'] },
  { id: 'privilege', pattern: /\bsudo to root\b|\bchanged uid\b|\bprivilege(?:s)? escalat|\bsetuid\b|\buac bypass\b/, weight: 1.0, claim: 'a privilege change to an administrative identity', attack: ['T1548'] },
  { id: 'first-sudo', pattern: /\bfirst time user executed sudo\b/, weight: 0.5, claim: 'a user ran sudo for the first time', attack: ['T1548.003'] },
  { id: 'attack-tool', pattern: /\b(?:nmap|masscan|nikto|sqlmap|dirb|dirbuster|gobuster|wpscan|hydra|metasploit|meterpreter|mimikatz|cobalt ?strike|bloodhound|sharphound|rubeus|impacket|psexec|hacktool|hack tool|hktl)\b/, weight: 1.8, claim: 'names a known offensive tool' },
  { id: 'malware-word', pattern: /\b(?:malware|trojan|ransomware|backdoor|rootkit|virus found|infected|worm|exploit(?:ation)?)\b/, weight: 1.5, claim: 'names malware or exploitation' },
  { id: 'exfiltration', pattern: /\bexfiltrat|\bdns tunnel|\bdata theft\b/, weight: 1.5, claim: 'names data exfiltration', attack: ['T1048'] },
  { id: 'shell', pattern: /\b(?:reverse|bind) shell\b/, weight: 2.5, claim: 'names an interactive shell handed to a remote party', attack: ['T1059'] },
  { id: 'credential-dump', pattern: /\bcredential (?:dump|theft|access)|\blsass\b|\bntds\.dit\b|\bsam (?:hive|database)\b|\bdcsync\b|\bkerberoast/, weight: 1.5, claim: 'names credential theft', attack: ['T1003'] },
  { id: 'recovery-inhibit', pattern: /\bshadow ?cop(?:y|ies)\b|\bsystem restore\b|\binhibit (?:system )?recovery\b/, weight: 1.2, claim: 'names removal of recovery options, a ransomware precursor', attack: ['T1490'] },
  { id: 'defense-evasion', pattern: /\b(?:disable|tamper|impair)\w* (?:defender|antivirus|firewall|logging|security|event log)|\bevent ?log (?:clear|cleared|deleted)\b/, weight: 1.0, claim: 'names weakening of security controls', attack: ['T1562'] },
  { id: 'suspicious-word', pattern: /\bsuspicious\b/, weight: 0.4, claim: 'the detection calls the activity suspicious' },
  { id: 'malicious-word', pattern: /\bmalicious\b/, weight: 1.0, claim: 'the detection calls the activity malicious' },
  { id: 'persistence-word', pattern: /\bpersistence\b|\bautorun\b|\bstartup folder\b|\brun key\b/, weight: 0.6, claim: 'names a persistence mechanism', attack: ['T1547'] },
  { id: 'lateral-word', pattern: /\blateral movement\b|\bremote (?:execution|service creation)\b|\bpass.the.(?:hash|ticket)\b/, weight: 1.0, claim: 'names lateral movement', attack: ['T1021'] },
];
