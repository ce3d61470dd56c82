import { describe, expect, it } from 'vitest';
import { lookupTechnique } from '../../../core/enrich/attack-catalog.js';
import type { Finding } from '../../../core/enrich/enricher.js';
import { createRegistryFileEnricher, FILE_RULES, IMAGE_LOAD_RULES } from '../../../core/enrich/registry-file/registry-file.js';
import { normalizeRegistryKey, REGISTRY_RULES, registryData } from '../../../core/enrich/registry-file/registry-rules.js';
import type { Alert, AlertInput } from '../../../core/spec/alert.js';
import { ConfigError } from '../../../core/spec/errors.js';
import { testAlert } from './test-alert.js';

const context = { timeMs: Date.parse('2026-03-02T09:15:00Z'), evidence: [] };
const enricher = createRegistryFileEnricher();

function makeAlert(category: string, entities: AlertInput['entities'], fields: Record<string, string> = {}): Alert {
  return testAlert({ source: { platform: 'generic', product: 'Sysmon' }, title: 'Host event', ruleName: 'Host event', category, entities, fields });
}

function registryAlert(key: string, details?: string, eventType = 'SetValue', image = 'C:\\Windows\\System32\\reg.exe'): Alert {
  const properties: Record<string, string> = { eventType };
  if (details !== undefined) properties['details'] = details;
  return makeAlert(eventType.startsWith('Delete') ? 'registry_delete' : 'registry_set', [{ kind: 'registry', role: 'target', value: key, properties }], { Image: image });
}

function fileAlert(path: string, image: string): Alert {
  return makeAlert('file_event', [{ kind: 'file', role: 'target', value: path, properties: { image } }], { Image: image, TargetFilename: path });
}

const techniques = (findings: Finding[]): string[] => [...new Set(findings.flatMap((finding) => finding.attack ?? []))];
const total = (findings: Finding[]): number => findings.reduce((sum, finding) => sum + finding.weight, 0);
/** Without the weight-0 findings that name techniques from public procedures (tested in test/knowledge). */
const curated = (findings: Finding[]): Finding[] => findings.filter((finding) => !finding.refs.some((ref) => ref.startsWith('knowledge:procedure:')));
const rule = (findings: Finding[], id: string): Finding | undefined => findings.find((finding) => finding.refs.includes(`knowledge:${id}`));

describe('registry-file enricher: registry', () => {
  it('reads a Run key pointing into a public folder as persistence', () => {
    const findings = enricher.enrich(
      registryAlert('HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater', 'C:\\Users\\Public\\updater.exe'),
      context,
    );
    expect(rule(findings, 'reg-run-key')?.claim).toBe(
      'Registry write adds a Run-key autostart entry ("HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater = C:\\Users\\Public\\updater.exe").',
    );
    expect(rule(findings, 'data-staging-path')).toBeDefined();
    expect(techniques(curated(findings))).toEqual(['T1547.001']);
    expect(total(findings)).toBeGreaterThanOrEqual(1.5);
  });

  it('discounts a Run key that starts an installed program', () => {
    const findings = enricher.enrich(registryAlert('HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\SecurityHealth', '%windir%\\system32\\SecurityHealthSystray.exe'), context);
    expect(total(findings)).toBeLessThanOrEqual(0.5);
    expect(findings.find((finding) => finding.weight < 0)?.benignReason).toBe('expected_activity');
  });

  it('ignores Winlogon defaults and flags a changed Userinit', () => {
    const key = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\Userinit';
    expect(curated(enricher.enrich(registryAlert(key, 'C:\\Windows\\system32\\userinit.exe,'), context))).toEqual([]);
    const findings = enricher.enrich(registryAlert(key, 'C:\\Windows\\system32\\userinit.exe,C:\\ProgramData\\x.exe'), context);
    expect(techniques(curated(findings))).toEqual(['T1547.004']);
  });

  const cases: { name: string; key: string; details?: string; eventType?: string; expected: string[]; minWeight: number }[] = [
    {
      name: 'sticky-keys debugger',
      key: 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe\\Debugger',
      details: 'C:\\Windows\\System32\\cmd.exe',
      expected: ['T1546.008', 'T1546.012'],
      minWeight: 2.5,
    },
    {
      name: 'Defender turned off by policy',
      key: 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\DisableAntiSpyware',
      details: 'DWORD (0x00000001)',
      expected: ['T1562.001', 'T1685', 'T1112'],
      minWeight: 2.5,
    },
    {
      name: 'Defender exclusion',
      key: 'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths\\C:\\Users\\Public',
      details: 'DWORD (0x00000000)',
      expected: ['T1562.001', 'T1564.012'],
      minWeight: 2,
    },
    { name: 'ms-settings UAC bypass', key: 'HKU\\S-1-5-21-1-2-3-1001_Classes\\ms-settings\\shell\\open\\command\\DelegateExecute', details: '(Empty)', expected: ['T1548.002'], minWeight: 2.5 },
    {
      name: 'AMSI provider removed',
      key: 'HKLM\\SOFTWARE\\Microsoft\\AMSI\\Providers\\{2781761E-28E0-4109-99FE-B9D127C57AFE}',
      eventType: 'DeleteKey',
      expected: ['T1562.001', 'T1685'],
      minWeight: 2.5,
    },
    {
      name: 'WDigest clear-text passwords',
      key: 'HKLM\\System\\ControlSet001\\Control\\SecurityProviders\\WDigest\\UseLogonCredential',
      details: 'DWORD (0x00000001)',
      expected: ['T1003.001', 'T1112'],
      minWeight: 2,
    },
    { name: 'RDP enabled', key: 'HKLM\\System\\CurrentControlSet\\Control\\Terminal Server\\fDenyTSConnections', details: 'DWORD (0x00000000)', expected: ['T1021.001'], minWeight: 1 },
    {
      name: 'LSA security package added',
      key: 'HKLM\\System\\CurrentControlSet\\Control\\Lsa\\Security Packages',
      details: 'kerberos msv1_0 schannel wdigest tspkg pku2u mimilib',
      expected: ['T1547.005'],
      minWeight: 2,
    },
    {
      name: 'Windows Firewall profile off',
      key: 'HKLM\\System\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\StandardProfile\\EnableFirewall',
      details: 'DWORD (0x00000000)',
      expected: ['T1562.004', 'T1686.003'],
      minWeight: 2,
    },
    {
      name: 'scheduled task hidden',
      key: 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Updater\\SD',
      eventType: 'DeleteValue',
      expected: ['T1053.005', 'T1564'],
      minWeight: 2,
    },
    { name: 'hidden user in SAM', key: 'HKLM\\SAM\\SAM\\Domains\\Account\\Users\\Names\\support$\\(Default)', details: 'Binary Data', expected: ['T1136.001', 'T1564.002'], minWeight: 2 },
    {
      name: 'COM hijack through TreatAs',
      key: 'HKU\\S-1-5-21-1-2-3-1001_Classes\\CLSID\\{97D47D56-3777-49FB-8E8F-90D7E30E1A1E}\\TreatAs\\(Default)',
      details: '{00000001-0000-0000-0000-0000FEEDACDC}',
      expected: ['T1546.015'],
      minWeight: 1.5,
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const findings = enricher.enrich(registryAlert(testCase.key, testCase.details, testCase.eventType), context);
      expect(techniques(findings)).toEqual(expect.arrayContaining(testCase.expected));
      expect(total(findings)).toBeGreaterThanOrEqual(testCase.minWeight);
    });
  }

  it('treats a set value on a delete-only rule as nothing', () => {
    const findings = enricher.enrich(registryAlert('HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Updater\\SD', 'Binary Data'), context);
    expect(rule(findings, 'reg-scheduled-task-hide')).toBeUndefined();
  });

  it('notices a renamed Sysinternals tool from its licence key', () => {
    const findings = enricher.enrich(
      registryAlert('HKU\\S-1-5-21-1-2-3-500\\Software\\Sysinternals\\PsExec\\EulaAccepted', 'DWORD (0x00000001)', 'SetValue', 'C:\\Users\\bob\\Downloads\\svc.exe'),
      context,
    );
    expect(techniques(findings)).toEqual(expect.arrayContaining(['T1588.002', 'T1569.002', 'T1036.003']));
    const genuine = enricher.enrich(registryAlert('HKU\\S-1-5-21-1-2-3-500\\Software\\Sysinternals\\PsExec\\EulaAccepted', 'DWORD (0x00000001)', 'SetValue', 'C:\\Tools\\PsExec64.exe'), context);
    expect(rule(genuine, 'renamed-sysinternals')).toBeUndefined();
  });

  it('keeps one finding per rule when several events hit the same key family', () => {
    const entities: AlertInput['entities'] = ['http', 'https', '*'].map((scheme) => ({
      kind: 'registry' as const,
      value: `HKU\\S-1-5-21-1-2-3-500\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\ZoneMap\\Domains\\example.net\\${scheme}`,
      properties: { details: 'DWORD (0x00000002)', eventType: 'SetValue' },
    }));
    const findings = curated(enricher.enrich(makeAlert('registry_set', entities), context));
    expect(findings).toHaveLength(1);
  });
});

describe('registry-file enricher: files and module loads', () => {
  const cases: { name: string; path: string; image: string; expected: string[]; minWeight: number }[] = [
    { name: 'LSASS dump', path: 'C:\\Users\\bob\\AppData\\Local\\Temp\\lsass.DMP', image: 'C:\\Windows\\System32\\rundll32.exe', expected: ['T1003.001'], minWeight: 2.5 },
    {
      name: 'Startup folder script',
      path: 'C:\\Users\\bob\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\update.vbs',
      image: 'C:\\Windows\\System32\\wscript.exe',
      expected: ['T1547.001'],
      minWeight: 2,
    },
    { name: 'web shell', path: 'C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx', image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', expected: ['T1505.003'], minWeight: 2 },
    { name: 'certutil dropping an executable', path: 'C:\\Users\\bob\\AppData\\Local\\Temp\\x.exe', image: 'C:\\Windows\\System32\\certutil.exe', expected: ['T1105', 'T1218'], minWeight: 2 },
    { name: 'phantom DLL in System32', path: 'C:\\Windows\\System32\\wlbsctrl.dll', image: 'C:\\Windows\\System32\\cmd.exe', expected: ['T1574.001'], minWeight: 2.5 },
    { name: 'right-to-left override', path: 'C:\\Users\\bob\\Downloads\\report\u202Efdp.scr', image: 'C:\\Windows\\explorer.exe', expected: ['T1036.002'], minWeight: 2.5 },
    { name: 'double extension', path: 'C:\\Users\\bob\\Downloads\\invoice.pdf.lnk', image: 'C:\\Windows\\System32\\cmd.exe', expected: ['T1036.007'], minWeight: 2 },
    { name: 'Windows binary name outside Windows', path: 'C:\\ProgramData\\lsass.exe', image: 'C:\\Windows\\System32\\cmd.exe', expected: ['T1036.005'], minWeight: 2 },
    { name: 'Windows DLL name in a drive root', path: 'C:\\version.dll', image: 'C:\\Windows\\System32\\cmd.exe', expected: ['T1574.001', 'T1036.005'], minWeight: 1.5 },
    { name: 'credential tool dropped', path: 'C:\\Users\\bob\\Downloads\\mimikatz.exe', image: 'C:\\Windows\\explorer.exe', expected: ['T1003.001'], minWeight: 1.5 },
    { name: 'alternate data stream', path: 'C:\\Users\\Public\\notes.txt:payload.exe', image: 'C:\\Windows\\System32\\cmd.exe', expected: ['T1564.004'], minWeight: 1.5 },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const findings = enricher.enrich(fileAlert(testCase.path, testCase.image), context);
      expect(techniques(findings)).toEqual(expect.arrayContaining(testCase.expected));
      expect(total(findings)).toBeGreaterThanOrEqual(testCase.minWeight);
    });
  }

  it('leaves ordinary writes alone', () => {
    expect(enricher.enrich(fileAlert('C:\\ProgramData\\Microsoft\\Windows\\WER\\ReportQueue\\AppCrash\\report.dmp', 'C:\\Windows\\System32\\WerFault.exe'), context)).toEqual([]);
    expect(enricher.enrich(fileAlert('C:\\Users\\bob\\Documents\\notes.docx', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE'), context)).toEqual([]);
    const download = enricher.enrich(fileAlert('C:\\Users\\bob\\Downloads\\ChromeSetup.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'), context);
    expect(total(download)).toBeLessThanOrEqual(0.5);
  });

  it('treats a Zone.Identifier stream as the file it marks', () => {
    const findings = enricher.enrich(fileAlert('C:\\Users\\bob\\Downloads\\procdump64.exe:Zone.Identifier', 'C:\\Windows\\explorer.exe'), context);
    expect(rule(findings, 'file-alternate-stream')).toBeUndefined();
    expect(techniques(findings)).toContain('T1003.001');
  });

  it('flags a Windows module loaded from a user folder (side-loading)', () => {
    const alert = makeAlert('image_load', [{ kind: 'process', value: 'C:\\Users\\bob\\Downloads\\fsquirt.exe', properties: { image: 'C:\\Users\\bob\\Downloads\\fsquirt.exe' } }], {
      Image: 'C:\\Users\\bob\\Downloads\\fsquirt.exe',
      ImageLoaded: 'C:\\Users\\bob\\Downloads\\bthprops.cpl',
      Signed: 'false',
    });
    const findings = enricher.enrich(alert, context);
    expect(rule(findings, 'load-system-module-elsewhere')?.refs[0]).toBe('fields.ImageLoaded');
    expect(techniques(findings)).toEqual(expect.arrayContaining(['T1574.001', 'T1218.002']));
  });

  it('flags the PowerShell engine loaded by rundll32', () => {
    const alert = makeAlert('image_load', [{ kind: 'process', value: 'C:\\Windows\\System32\\rundll32.exe' }], {
      Image: 'C:\\Windows\\System32\\rundll32.exe',
      ImageLoaded: 'C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System.Management.Automation\\1234\\System.Management.Automation.ni.dll',
    });
    expect(techniques(enricher.enrich(alert, context))).toContain('T1059.001');
  });

  it('returns nothing without a process, registry or file entity', () => {
    expect(enricher.enrich(makeAlert('dns', [{ kind: 'domain', value: 'example.com' }], { ImageLoaded: 'C:\\x\\version.dll' }), context)).toEqual([]);
  });

  it('rejects bad options with a ConfigError', () => {
    expect(() => createRegistryFileEnricher({ maxTotalWeight: -1 })).toThrow(ConfigError);
  });
});

describe('registry and file knowledge', () => {
  it('normalizes registry paths from every hive spelling', () => {
    expect(normalizeRegistryKey('\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\x')).toBe('HKLM\\SYSTEM\\CurrentControlSet\\Services\\x');
    expect(normalizeRegistryKey('HKU\\S-1-5-21-1-2-3-1001_Classes\\CLSID\\{x}')).toBe('HKCU\\Software\\Classes\\CLSID\\{x}');
    expect(normalizeRegistryKey('HKEY_CURRENT_USER\\Software\\Wow6432Node\\Microsoft')).toBe('HKCU\\Software\\Microsoft');
    expect(normalizeRegistryKey('Registry::HKEY_LOCAL_MACHINE\\Software')).toBe('HKLM\\Software');
    expect(normalizeRegistryKey('HKLM:\\Software')).toBe('HKLM\\Software');
  });

  it('reads DWORD and QWORD value data as numbers', () => {
    expect(registryData('DWORD (0x00001189)')).toBe('4489');
    expect(registryData('QWORD (0x00000001-0x00000000)')).toBe('4294967296');
    expect(registryData('0x1')).toBe('1');
    expect(registryData('"C:\\x.exe"')).toBe('C:\\x.exe');
    expect(registryData(undefined)).toBe('');
  });

  it('uses current ATT&CK ids and calibrated weights', () => {
    const all = [...REGISTRY_RULES, ...FILE_RULES, ...IMAGE_LOAD_RULES];
    const ids = all.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of all) {
      expect(entry.weight, entry.id).toBeGreaterThan(0);
      expect(entry.weight, entry.id).toBeLessThanOrEqual(3);
      expect(entry.claim, entry.id).toMatch(/^[a-z].*[^.\s]$/);
      for (const id of entry.techniques) {
        const technique = lookupTechnique(id);
        expect(technique, `${entry.id}: ${id}`).toBeDefined();
        expect(technique?.revoked || technique?.deprecated, `${entry.id}: ${id}`).toBe(false);
      }
    }
  });
});
