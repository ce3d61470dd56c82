import { describe, expect, it } from 'vitest';
import { createAlertKnowledgeEnricher } from '../../core/enrich/knowledge/alert-knowledge.js';
import { isAnomalyProduct } from '../../core/enrich/knowledge/alert-taxonomy.js';
import { AlertV1Schema, type Alert } from '../../core/spec/alert.js';

/** Titles written for the test in the way the public rule sets name things; no eval title. */
const enricher = createAlertKnowledgeEnricher();
const context = { timeMs: 0, evidence: [] };

function alert(title: string, product?: string, description?: string): Alert {
  return AlertV1Schema.parse({
    id: 'a',
    source: { platform: 'generic', ...(product ? { product } : {}), nativeIds: {} },
    title,
    ruleName: title,
    time: '2024-01-01T00:00:00Z',
    entities: [],
    ...(description ? { description } : {}),
  });
}
const taxonomy = (item: Alert): string[] => enricher.enrich(item, context).flatMap((finding) => finding.refs.filter((ref) => ref.startsWith('taxonomy:')));
const techniques = (item: Alert): string[] =>
  enricher
    .enrich(item, context)
    .filter((finding) => finding.refs.includes('knowledge:title-techniques'))
    .flatMap((finding) => finding.attack ?? []);

describe('title knowledge', () => {
  it('"New …" reads as a statistical anomaly only when the product is an anomaly detector', () => {
    expect(taxonomy(alert('New Root Certificate Installed Via Certutil'))).not.toContain('taxonomy:anomaly-novelty');
    expect(taxonomy(alert('New Root Certificate Installed Via Certutil', 'Sysmon'))).not.toContain('taxonomy:anomaly-novelty');
    expect(taxonomy(alert('New Service Created By Unusual Parent', 'Elastic Machine Learning'))).toContain('taxonomy:anomaly-novelty');
    expect(isAnomalyProduct('Splunk UBA')).toBe(true);
    expect(isAnomalyProduct('Microsoft Defender for Endpoint')).toBe(false);
  });

  it('infers techniques from the words public rule sets use, as weight-0 context', () => {
    const findings = enricher.enrich(alert('Credential Dumping via LSASS Memory Access'), context).filter((finding) => finding.refs.includes('knowledge:title-techniques'));
    expect(findings.map((finding) => finding.attack?.[0]?.split('.')[0])).toContain('T1003');
    expect(findings.every((finding) => finding.weight === 0)).toBe(true);
    expect(techniques(alert('Scheduled Task Created via Schtasks')).map((id) => id.split('.')[0])).toContain('T1053');
    // Impair Defenses, by its v18.1 id or the v19 one (T1685) the public sources already use.
    expect(techniques(alert('Windows Defender Real-Time Protection Disabled')).map((id) => id.split('.')[0])).toEqual(expect.arrayContaining([expect.stringMatching(/^T1562$|^T1685$/)]));
  });

  it('reads the rule description too, and says nothing for titles without known words', () => {
    expect(techniques(alert('Rule 4711', undefined, 'Detects shadow copy deletion with vssadmin, a step before ransomware encryption')).map((id) => id.split('.')[0])).toContain('T1490');
    expect(techniques(alert('Qwzx Plorb'))).toEqual([]);
  });
});
