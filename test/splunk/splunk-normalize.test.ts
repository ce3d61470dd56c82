import { describe, expect, it } from 'vitest';
import { InvalidAlertError } from '../../core/spec/errors.js';
import { looksLikeSplunkAlert, normalizeSplunkAlert } from '../../plugins/splunk/splunk-normalize.js';
import { loadAitNotables, loadSigmaTests, renderSigmaNotable } from '../emulators/splunk/seed.js';

const ait = await loadAitNotables('russellmitchell', { distinct: true, limit: 8 });
const sigmaTests = loadSigmaTests();
const sigmaSample = [
  ...sigmaTests.slice(0, 6),
  ...sigmaTests.filter((test) => test.events.length > 1).slice(0, 2),
  ...sigmaTests.filter((test) => test.events.some((event) => JSON.stringify(event).includes('TargetObject'))).slice(0, 2),
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('Splunk notable normalize', () => {
  it('AIT notables match the golden output', async () => {
    await expect(JSON.stringify(ait.map(normalizeSplunkAlert), null, 2)).toMatchFileSnapshot('golden/normalize-ait.json');
  });

  it('Sigma notables match the golden output (full and blind variants)', async () => {
    const full = sigmaSample.map((test) => normalizeSplunkAlert(renderSigmaNotable(test)));
    await expect(JSON.stringify(full, null, 2)).toMatchFileSnapshot('golden/normalize-sigma.json');
    const blind = sigmaSample.map((test) => normalizeSplunkAlert(renderSigmaNotable(test, 'blind')));
    expect(blind.every((alert) => alert.attack.length === 0)).toBe(true);
    expect(full.filter((alert) => alert.attack.length > 0).length).toBeGreaterThan(5);
  });

  it('normalizes every Sigma test and a whole AIT scenario sample without error', async () => {
    for (const test of sigmaTests) {
      const alert = normalizeSplunkAlert(renderSigmaNotable(test));
      expect(alert.ruleAuthor, test.testId).toBe(test.rule.author);
      expect(alert.ruleId, test.testId).toBe(test.rule.id);
    }
    for (const notable of await loadAitNotables('shaw', { distinct: true })) {
      const alert = normalizeSplunkAlert(notable);
      expect(alert.severity).toBeUndefined(); // AIT carries no severity; none is invented
      expect(alert.entities.map((entity) => entity.kind).sort()).toEqual(['host', 'ip']);
    }
  });

  it('never lets a label column into an AIT notable', () => {
    for (const notable of ait) {
      expect(Object.keys(notable).sort()).toEqual(['_time', 'dest', 'dest_ip', 'event_id', 'orig_sourcetype', 'rule_name', 'search_name', 'signature', 'signature_id', 'status']);
    }
  });

  it('maps CIM process, registry, file and hash fields to entities', () => {
    const alert = normalizeSplunkAlert({
      _time: '2024-03-01T10:00:00.000+01:00',
      event_id: 'A@@notable@@b',
      rule_name: 'Suspicious Registry Run Key',
      urgency: 'high',
      annotations: '{"mitre_attack": ["t1547.001", "not-a-technique"]}',
      dest: '10.1.2.3',
      src: 'laptop7',
      user: 'CORP\\bob',
      process: 'reg.exe add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v x',
      process_path: 'C:\\Windows\\System32\\reg.exe',
      parent_process: '-',
      parent_process_path: 'C:\\Windows\\System32\\cmd.exe',
      process_hash: 'SHA1=A94A8FE5CCB19BA61C4C0873D391E987982FBBD3,IMPHASH=00000000000000000000000000000000',
      file_hash: 'd41d8cd98f00b204e9800998ecf8427e',
      registry_path: 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\x',
      registry_value_data: 'C:\\Users\\bob\\x.exe',
      url: 'http://example.test/a',
      status: '5',
      comment: 'earlier comment',
    });
    expect(alert.time).toBe('2024-03-01T09:00:00.000Z');
    expect(alert.severity).toBe('high');
    expect(alert.attack).toEqual(['T1547.001']);
    expect(alert.entities).toEqual([
      { kind: 'ip', value: '10.1.2.3', role: 'destination' },
      { kind: 'host', value: 'laptop7', role: 'source' },
      { kind: 'user', value: 'CORP\\bob', role: 'actor' },
      {
        kind: 'process',
        value: 'reg.exe add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v x',
        role: 'actor',
        properties: {
          image: 'C:\\Windows\\System32\\reg.exe',
          commandLine: 'reg.exe add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v x',
          parentImage: 'C:\\Windows\\System32\\cmd.exe',
          user: 'CORP\\bob',
          hashes: 'SHA1=A94A8FE5CCB19BA61C4C0873D391E987982FBBD3,IMPHASH=00000000000000000000000000000000',
        },
      },
      { kind: 'hash', value: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', role: 'related', properties: { algorithm: 'sha1' } },
      { kind: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e', role: 'related', properties: { algorithm: 'md5' } },
      { kind: 'url', value: 'http://example.test/a', role: 'related' },
      { kind: 'registry', value: 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\x', role: 'target', properties: { details: 'C:\\Users\\bob\\x.exe' } },
    ]);
    // Workflow state (status, comment…) is the analyst's, not alert content.
    expect(alert.fields.status).toBeUndefined();
    expect(alert.fields.comment).toBeUndefined();
    expect(alert.fields.registry_value_data).toBe('C:\\Users\\bob\\x.exe');
  });

  it('accepts a whole export line and gives rows without event_id a stable content id', () => {
    const row = { _time: '1700000000', search_name: 'Ad hoc', dest: 'web01' };
    const fromLine = normalizeSplunkAlert({ preview: false, offset: 0, result: row });
    const reordered = normalizeSplunkAlert({ dest: 'web01', search_name: 'Ad hoc', _time: '1700000000' });
    expect(fromLine.id).toMatch(/^splunk-row-[0-9a-f]{32}$/);
    expect(reordered.id).toBe(fromLine.id);
  });

  it('is pure: same input, same output; the input is not changed', () => {
    const notable = deepFreeze(renderSigmaNotable(sigmaSample[0]!));
    expect(normalizeSplunkAlert(notable)).toEqual(normalizeSplunkAlert(notable));
  });

  it('rejects bad input with InvalidAlertError naming the field', () => {
    const attempt = (native: unknown) => {
      try {
        normalizeSplunkAlert(native);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidAlertError);
        return (error as InvalidAlertError).issues.map((issue) => issue.path);
      }
      throw new Error('expected InvalidAlertError');
    };
    expect(attempt('not a row')).toEqual(['']);
    expect(attempt({ rule_name: 'x', _time: 'yesterday' })).toEqual(['_time']);
    expect(attempt({ _time: '1700000000', dest: 'web01' })).toEqual(['rule_name']);
    expect(attempt({ event_id: 'a@@notable@@b' })).toEqual(['_time', 'rule_name']);
  });

  it('detects notables, findings and Splunk result rows, not other platforms’ alerts', () => {
    expect(looksLikeSplunkAlert(ait[0])).toBe(true);
    expect(looksLikeSplunkAlert({ finding_id: 'f@@notable@@time1700000000', rule_title: 'x' })).toBe(true);
    expect(looksLikeSplunkAlert({ _time: '1', search_name: 'x' })).toBe(true);
    expect(looksLikeSplunkAlert({ 'kibana.alert.rule.name': 'x', '@timestamp': '2024-01-01T00:00:00Z' })).toBe(false);
    expect(looksLikeSplunkAlert({ title: 'x', createdDateTime: '2024-01-01T00:00:00Z', severity: 'high' })).toBe(false);
    expect(looksLikeSplunkAlert(null)).toBe(false);
  });
});
