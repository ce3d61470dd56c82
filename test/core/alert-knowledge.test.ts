import { describe, expect, it } from 'vitest';
import { lookupTechnique } from '../../core/enrich/attack-catalog.js';
import { createAlertKnowledgeEnricher, normalizeTitle } from '../../core/enrich/knowledge/alert-knowledge.js';
import { ALERT_TAXONOMY } from '../../core/enrich/knowledge/alert-taxonomy.js';
import { ATTACK_ID_PATTERN } from '../../core/spec/alert.js';
import { RULES, SAMPLE_ROWS, sampleAlert } from './sample-alerts.js';

const enricher = createAlertKnowledgeEnricher();
const context = { timeMs: 0, evidence: [] };
const taxonomyIds = (rule: string): string[] => enricher.enrich(sampleAlert(rule), context).flatMap((finding) => finding.refs.filter((ref) => ref.startsWith('taxonomy:')));
/** Taxonomy readings only (title → technique findings carry weight 0 and are tested in test/knowledge). */
const taxonomyFindings = (rule: string) => enricher.enrich(sampleAlert(rule), context).filter((finding) => finding.refs.some((ref) => ref.startsWith('taxonomy:')));

describe('alert knowledge (taxonomy rows on real AIT titles)', () => {
  it('reads vendor categories and routine operations as benign', () => {
    expect(taxonomyIds(RULES.aptPolicy)).toEqual(['taxonomy:et-policy', 'taxonomy:package-management']);
    expect(taxonomyIds(RULES.clamavUpdate)).toEqual(['taxonomy:routine-update']);
    expect(taxonomyIds(RULES.dovecotLogin)).toEqual(['taxonomy:auth-success']);
    const decoder = taxonomyFindings(RULES.tlsHandshake);
    expect(decoder).toEqual([expect.objectContaining({ kind: 'knowledge', weight: -0.8, benignReason: 'detection_error', refs: ['title', 'taxonomy:ids-decoder'] })]);
  });

  it('reads attack vocabulary as malicious, with the technique the words imply', () => {
    const scan = taxonomyFindings(RULES.nmapUserAgent);
    expect(scan.map((finding) => finding.refs[1])).toEqual(['taxonomy:et-scan', 'taxonomy:attack-tool']);
    expect(scan[0]).toMatchObject({ weight: 1.2, attack: ['T1595'] });
    expect(scan.every((finding) => finding.weight > 0 && finding.benignReason === undefined)).toBe(true);
    expect(taxonomyFindings(RULES.webAttack)).toEqual([expect.objectContaining({ weight: 2, attack: ['T1190'], claim: expect.stringMatching(/^The title reads as a web-attack detection/) })]);
    expect(taxonomyIds(RULES.sudoRoot)).toEqual(['taxonomy:privilege', 'taxonomy:sudo']);
  });

  it('reads anomaly detectors as novelty, and says nothing about titles it has no knowledge of', () => {
    expect(taxonomyIds(RULES.newEventType)).toEqual(['taxonomy:anomaly-novelty']);
    expect(taxonomyIds('Wazuh: Web server 500 error code (Internal Error).')).toEqual([]);
  });

  it('strips the detector prefix before matching', () => {
    expect(normalizeTitle('Suricata: Alert - ET POLICY  Curl  User-Agent')).toBe('et policy curl user-agent');
    expect(normalizeTitle('Wazuh: ClamAV database update')).toBe('clamav database update');
  });

  it('every taxonomy row is well-formed content', () => {
    const ids = ALERT_TAXONOMY.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of ALERT_TAXONOMY) {
      expect(entry.id, entry.id).toMatch(/^[a-z0-9-]+$/);
      expect(Number.isFinite(entry.weight) && Math.abs(entry.weight) <= 4, entry.id).toBe(true);
      expect(entry.claim.length, entry.id).toBeGreaterThan(10);
      // A benign reason explains evidence pointing away from malicious, so only on negative rows.
      if (entry.benignReason) expect(entry.weight, entry.id).toBeLessThan(0);
      for (const id of entry.attack ?? []) {
        expect(id, entry.id).toMatch(ATTACK_ID_PATTERN);
        expect(lookupTechnique(id), `${entry.id} ${id}`).toBeDefined();
      }
    }
  });

  it("has no row keyed on the eval data's own alert names (general knowledge only)", () => {
    const sampleTitles = new Set(SAMPLE_ROWS.map((row) => normalizeTitle(row.name)));
    for (const entry of ALERT_TAXONOMY) {
      const source = entry.pattern.source.replace(/\\b|\^|\$/g, '');
      expect(sampleTitles.has(source), entry.id).toBe(false);
    }
  });
});
