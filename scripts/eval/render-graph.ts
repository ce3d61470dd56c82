import type { AitRow } from './ait-source.js';
import type { SigmaTest } from './sigma-source.js';

/**
 * Eval items as Microsoft Graph security alerts (`alerts_v2`), by the data README's mapping:
 * AIT `createdDateTime`=time, `title`=name, `productName`=detector, evidence host
 * (`deviceEvidence.deviceDnsName`) and IP (`ipEvidence.ipAddress`), `status`=new; Sigma `title`,
 * `description`, `severity`, `mitreTechniques` (full variant only) and evidence
 * (`processEvidence` with image, command line and parent, `deviceEvidence`, `userEvidence`,
 * `registryValueEvidence` / `registryKeyEvidence`, `fileEvidence`). Event fields travel in
 * `additionalData`, the rule author in `customDetails.RuleAuthor` (Detection Rule License).
 * Labels never enter the payload; no severity is invented (`unknown` where the source has none).
 */

const SEVERITY_BY_LEVEL: Record<string, string> = { informational: 'informational', low: 'low', medium: 'medium', high: 'high', critical: 'high' };

const HIVES: Record<string, string> = { HKLM: 'HKEY_LOCAL_MACHINE', HKCU: 'HKEY_CURRENT_USER', HKU: 'HKEY_USERS', HKCR: 'HKEY_CLASSES_ROOT', HKCC: 'HKEY_CURRENT_CONFIG' };

function detectorOf(name: string): string {
  const colon = name.indexOf(':');
  return colon > 0 ? name.slice(0, colon) : 'unknown';
}

/** The constant part of every rendered alert (CSDL non-nullable properties). */
function alertHeader(id: string, createdDateTime: string): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.security.alert',
    id,
    providerAlertId: id,
    status: 'new',
    classification: 'unknown',
    determination: 'unknown',
    serviceSource: 'microsoftSentinel',
    detectionSource: 'scheduledAlerts',
    createdDateTime,
    lastUpdateDateTime: createdDateTime,
    firstActivityDateTime: createdDateTime,
    comments: [],
  };
}

/** One alertEvidence item; `createdDateTime` is the alert's (non-nullable in the CSDL). */
const evidenceAt =
  (createdDateTime: string) =>
  (type: string, fields: Record<string, unknown>, roles: string[] = []): Record<string, unknown> => ({
    '@odata.type': `#microsoft.graph.security.${type}`,
    createdDateTime,
    roles,
    tags: [],
    verdict: 'unknown',
    remediationStatus: 'none',
    ...fields,
  });

export function renderGraphAitRow(row: AitRow): Record<string, unknown> {
  const time = new Date(row.time * 1000).toISOString();
  const evidence = evidenceAt(time);
  return {
    ...alertHeader(`${row.scenario}-${row.line}`, time),
    title: row.name,
    productName: detectorOf(row.name),
    detectorId: row.short,
    severity: 'unknown',
    mitreTechniques: [],
    evidence: [evidence('deviceEvidence', { deviceDnsName: row.host }, ['compromised']), evidence('ipEvidence', { ipAddress: row.ip }, ['attacked'])],
  };
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** `C:\dir\name.exe` → fileDetails { filePath: C:\dir, fileName: name.exe }. */
function fileDetails(path: string | undefined): Record<string, unknown> | undefined {
  if (path === undefined) return undefined;
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return cut > 0 ? { filePath: path.slice(0, cut), fileName: path.slice(cut + 1) } : { fileName: path };
}

/** `DOMAIN\user` → userAccount { domainName, accountName }. */
function userAccount(user: string | undefined): Record<string, unknown> | undefined {
  if (user === undefined) return undefined;
  const cut = user.indexOf('\\');
  return cut > 0 ? { domainName: user.slice(0, cut), accountName: user.slice(cut + 1) } : { accountName: user };
}

/** `HKLM\SOFTWARE\…\Run\name` → registryValueEvidence (a value was set) or registryKeyEvidence. */
function registryEvidence(evidence: ReturnType<typeof evidenceAt>, target: string, details: string | undefined, eventType: string | undefined): Record<string, unknown> {
  const parts = target.split('\\');
  const hive = HIVES[parts[0]!.toUpperCase()];
  const key = hive ? parts.slice(1) : parts;
  if (details !== undefined || eventType === 'SetValue') {
    return evidence('registryValueEvidence', {
      ...(hive ? { registryHive: hive } : {}),
      registryKey: key.slice(0, -1).join('\\'),
      registryValueName: key.at(-1),
      ...(details !== undefined ? { registryValue: details } : {}),
    });
  }
  return evidence('registryKeyEvidence', { ...(hive ? { registryHive: hive } : {}), registryKey: key.join('\\') });
}

export function renderGraphSigmaTest(test: SigmaTest, variant: 'full' | 'blind', time: string): Record<string, unknown> {
  const id = `sigma-${test.testId}-${variant}`;
  const evidence = evidenceAt(time);
  const items: Array<Record<string, unknown>> = [];
  const additionalData: Record<string, string> = {};
  const computer = scalar(test.events[0]?.System?.Computer);
  if (computer) items.push(evidence('deviceEvidence', { deviceDnsName: computer }, ['compromised']));
  for (const event of test.events) {
    const data = event.EventData ?? {};
    const text = (key: string): string | undefined => scalar(data[key]);
    const system = event.System ?? {};
    const provider = scalar((system.Provider as { '#attributes'?: { Name?: string } } | undefined)?.['#attributes']?.Name);
    const systemFields = { EventID: scalar(system.EventID), Channel: scalar(system.Channel), Computer: scalar(system.Computer), Provider: provider };
    for (const [key, value] of [...Object.entries(data), ...Object.entries(systemFields)]) {
      const flat = scalar(value);
      if (flat !== undefined && additionalData[key] === undefined) additionalData[key] = flat;
    }
    const user = text('User');
    if (user) items.push(evidence('userEvidence', { userAccount: userAccount(user) }));
    // A process is evidence of the event that created it (a command line), as in the other renderings.
    if (text('CommandLine')) {
      items.push(
        evidence('processEvidence', {
          ...(text('CommandLine') ? { processCommandLine: text('CommandLine') } : {}),
          ...(fileDetails(text('Image')) ? { imageFile: fileDetails(text('Image')) } : {}),
          ...(fileDetails(text('ParentImage')) ? { parentProcessImageFile: fileDetails(text('ParentImage')) } : {}),
          ...(userAccount(user) ? { userAccount: userAccount(user) } : {}),
        }),
      );
    }
    const target = text('TargetObject');
    if (target) items.push(registryEvidence(evidence, target, text('Details'), text('EventType')));
    for (const path of [text('TargetFilename'), text('ImageLoaded')]) if (path) items.push(evidence('fileEvidence', { fileDetails: fileDetails(path) }));
  }
  return {
    ...alertHeader(id, time),
    title: test.rule.title,
    description: test.rule.description,
    productName: 'Sigma',
    detectorId: test.rule.id,
    severity: SEVERITY_BY_LEVEL[test.rule.level] ?? 'medium',
    mitreTechniques: variant === 'full' ? test.rule.techniques : [],
    evidence: items,
    additionalData,
    // Sentinel custom details: the rule author (DRL) and the rule's log source category.
    customDetails: { RuleAuthor: [test.rule.author], ...(test.rule.category ? { LogSourceCategory: [test.rule.category] } : {}) },
  };
}
