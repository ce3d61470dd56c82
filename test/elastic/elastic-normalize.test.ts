import { describe, expect, it } from 'vitest';
import { InvalidAlertError } from '../../core/spec/errors.js';
import { normalizeElasticAlert } from '../../plugins/elastic/index.js';

/**
 * Field coverage of the Elastic normalizer beyond the contract fixtures. No complete alert
 * document is published (shared/fixtures/README.md); these are built from the field list in
 * shared/specs/elastic/security-alert-fields.md plus ECS fields (ecs_flat.yml), in the two
 * layouts the field list says a reader must accept: flattened dotted keys and nested objects.
 */

const frame = {
  '@timestamp': '2025-03-04T10:11:12.000Z',
  'kibana.alert.uuid': '3f1c9c4e-5b7a-4f0e-9c1d-2a6b8e0f7d11',
  'kibana.alert.status': 'active',
  'kibana.alert.workflow_status': 'open',
  'kibana.alert.rule.uuid': 'b1e9a7c0-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
  'kibana.alert.rule.rule_id': 'endpoint-malware',
  'kibana.alert.severity': 'critical',
  'kibana.alert.risk_score': 99,
  'kibana.alert.reason': 'malware event with process x.exe, file x.exe, on host-1 created critical alert Malware Detection Alert.',
  'kibana.alert.building_block_type': 'default',
  'kibana.alert.ancestors': [{ id: 'evt-1', index: '.ds-logs-endpoint.alerts-default-000001', type: 'event', depth: 0 }],
  'kibana.space_ids': ['default'],
};

describe('normalizeElasticAlert', () => {
  it('reads the same alert from flattened dotted keys and from nested objects', () => {
    const dotted = {
      ...frame,
      'kibana.alert.rule.name': 'Malware Detection Alert',
      'kibana.alert.rule.threat': [
        {
          framework: 'MITRE ATT&CK',
          tactic: { id: 'TA0002', name: 'Execution', reference: '' },
          technique: [{ id: 'T1204', name: 'User Execution', reference: '', subtechnique: [{ id: 'T1204.002', name: 'Malicious File', reference: '' }] }],
        },
      ],
      'host.name': 'host-1',
      'user.name': 'alice',
      'process.executable': 'C:\\Users\\alice\\x.exe',
      'process.command_line': 'x.exe --run',
      'process.parent.executable': 'C:\\Windows\\explorer.exe',
    };
    const nested = {
      ...frame,
      kibana: { alert: { rule: { name: 'Malware Detection Alert', threat: dotted['kibana.alert.rule.threat'] } } },
      host: { name: 'host-1' },
      user: { name: 'alice' },
      process: { executable: 'C:\\Users\\alice\\x.exe', command_line: 'x.exe --run', parent: { executable: 'C:\\Windows\\explorer.exe' } },
    };
    const [fromDotted, fromNested] = [normalizeElasticAlert(dotted), normalizeElasticAlert(nested)];
    expect(fromNested.entities).toEqual(fromDotted.entities);
    expect(fromDotted.attack).toEqual(['T1204', 'T1204.002']);
    expect(fromNested.attack).toEqual(['T1204', 'T1204.002']);
    expect(fromDotted).toMatchObject({ ruleName: 'Malware Detection Alert', ruleId: 'endpoint-malware', severity: 'critical', time: '2025-03-04T10:11:12.000Z' });
    expect(fromDotted.entities.find((entity) => entity.kind === 'process')?.properties).toMatchObject({ parentImage: 'C:\\Windows\\explorer.exe', commandLine: 'x.exe --run' });
    expect(fromDotted.fields).toMatchObject({ 'kibana.alert.building_block_type': 'default', 'kibana.alert.ancestors.id': 'evt-1', 'kibana.alert.risk_score': '99' });
  });

  it('reads an Elastic Defend malware alert: file, hashes, classification, policy', () => {
    const alert = normalizeElasticAlert({
      ...frame,
      'kibana.alert.rule.name': 'Malware Detection Alert',
      event: { module: 'endpoint', dataset: 'endpoint.alerts', code: 'malicious_file', action: 'execution', kind: 'signal' },
      file: {
        path: 'C:\\Users\\alice\\Downloads\\invoice.exe',
        hash: { sha256: 'A'.repeat(64), md5: 'b'.repeat(32) },
        Ext: { malware_classification: { identifier: 'endpointpe-v4-model', score: 0.998, threshold: 0.66 } },
      },
      process: { executable: 'C:\\Users\\alice\\Downloads\\invoice.exe', hash: { sha1: 'c'.repeat(40) } },
      Endpoint: { policy: { applied: { name: 'Protect', id: 'policy-1' } } },
    });
    expect(alert.source.product).toBe('endpoint');
    expect(alert.entities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'file', value: 'C:\\Users\\alice\\Downloads\\invoice.exe', role: 'target' }),
        expect.objectContaining({ kind: 'hash', value: 'a'.repeat(64), properties: { algorithm: 'sha256' } }),
        expect.objectContaining({ kind: 'hash', value: 'b'.repeat(32), properties: { algorithm: 'md5' } }),
        expect.objectContaining({ kind: 'hash', value: 'c'.repeat(40), properties: { algorithm: 'sha1' } }),
      ]),
    );
    expect(alert.fields).toMatchObject({ 'event.code': 'malicious_file', 'file.Ext.malware_classification.score': '0.998', 'Endpoint.policy.applied.name': 'Protect' });
  });

  it('reads an Elastic Defend ransomware alert: the files it touched', () => {
    const alert = normalizeElasticAlert({
      ...frame,
      'kibana.alert.rule.name': 'Ransomware Detection Alert',
      'event.code': 'ransomware',
      'process.executable': 'C:\\Temp\\locker.exe',
      Ransomware: {
        feature: 'canary',
        files: [
          { path: 'C:\\Users\\alice\\doc1.docx.locked', entropy: 7.9, extension: 'locked' },
          { path: 'C:\\Users\\alice\\doc2.docx.locked', entropy: 7.8, extension: 'locked' },
        ],
      },
    });
    expect(alert.entities.filter((entity) => entity.kind === 'file').map((entity) => entity.value)).toEqual(['C:\\Users\\alice\\doc1.docx.locked', 'C:\\Users\\alice\\doc2.docx.locked']);
    expect(alert.fields['Ransomware.feature']).toBe('canary');
  });

  it('reads indicator matches (threat.enrichments), network, dns, url and email entities', () => {
    const alert = normalizeElasticAlert({
      ...frame,
      'kibana.alert.rule.name': 'Threat Intel IP Address Indicator Match',
      source: { ip: '10.0.0.5', port: 51515 },
      destination: { ip: '203.0.113.7', domain: 'bad.example', port: 443 },
      dns: { question: { name: 'bad.example' } },
      url: { full: 'https://bad.example/payload' },
      email: { from: { address: ['attacker@bad.example'] }, to: { address: ['alice@corp.example'] }, subject: 'Invoice' },
      threat: {
        enrichments: [
          { indicator: { type: 'ipv4-addr', ip: '203.0.113.7' }, matched: { atomic: '203.0.113.7', field: 'destination.ip', type: 'indicator_match_rule' }, feed: { name: 'AbuseCH' } },
          { indicator: { type: 'file', file: { hash: { sha256: 'd'.repeat(64) } } }, matched: { atomic: 'd'.repeat(64), field: 'file.hash.sha256', type: 'indicator_match_rule' } },
        ],
      },
    });
    expect(alert.entities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'ip', value: '10.0.0.5', role: 'source' }),
        expect.objectContaining({ kind: 'ip', value: '203.0.113.7', role: 'destination' }),
        expect.objectContaining({ kind: 'domain', value: 'bad.example' }),
        expect.objectContaining({ kind: 'url', value: 'https://bad.example/payload' }),
        expect.objectContaining({ kind: 'email', value: 'attacker@bad.example', role: 'source' }),
        expect.objectContaining({ kind: 'email', value: 'alice@corp.example', role: 'target' }),
        expect.objectContaining({ kind: 'hash', value: 'd'.repeat(64), role: 'related' }),
      ]),
    );
    expect(alert.fields['threat.enrichments.feed.name']).toBe('AbuseCH');
    expect(alert.fields['email.subject']).toBe('Invoice');
  });

  it('keeps workflow state (status, reason, tags, case ids) out of the alert fields', () => {
    const alert = normalizeElasticAlert({
      ...frame,
      'kibana.alert.rule.name': 'R',
      'kibana.alert.workflow_reason': 'false_positive',
      'kibana.alert.workflow_tags': ['verdict:false_positive'],
      'kibana.alert.case_ids': ['c1'],
    });
    expect(Object.keys(alert.fields).filter((key) => /workflow|case_ids/.test(key))).toEqual([]);
  });

  it('names the missing field', () => {
    expect(() => normalizeElasticAlert({ ...frame })).toThrow(InvalidAlertError);
    expect(() => normalizeElasticAlert({ ...frame })).toThrow(/kibana\.alert\.rule\.name/);
  });
});
