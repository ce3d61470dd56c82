import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain } from '../../core/pipeline/explain.js';
import { normalizeOcsfFinding } from '../../core/normalize/ocsf-normalize.js';
import type { Evidence } from '../../core/spec/evidence.js';
import { REPO_ROOT, RULES, sampleAlert } from './sample-alerts.js';

// The real SigmaHQ bitsadmin test rendered as an OCSF finding (test/golden): rule author and
// the rule's ATT&CK ids T1197, T1036.003, T1105.
const sigmaFindings = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/normalize/ocsf-sigma.input.json'), 'utf8')) as unknown[];
const bitsadmin = normalizeOcsfFinding(sigmaFindings[0]);
const aitAlert = sampleAlert(RULES.sshScan);

function item(id: string, weight: number, claim: string, extra: Partial<Evidence> = {}): Evidence {
  return { id, kind: 'test', source: 'test', claim, weight, refs: [], ...extra };
}
const weights = (items: Evidence[]): Map<string, number> => new Map(items.map((entry) => [entry.id, entry.weight]));

describe('explain', () => {
  const evidence = [
    item('ev-1', 0.4, 'The detection calls the activity suspicious.'),
    item('ev-2', 2.5, 'Names an interactive shell handed to a remote party.'),
    item('ev-3', -0.4, 'Nothing else new is happening on host intranet_server.'),
    item('ev-4', 1.2, 'Reconnaissance traffic.'),
    item('ev-5', 0.9, 'A fourth reason that falls off the list.'),
    item('ev-6', 0, 'Context only.'),
  ];

  it('a true positive names its three strongest malicious reasons with evidence ids, strongest first', () => {
    const { summary } = explain(aitAlert, 'true_positive', 0.934, evidence, weights(evidence));
    expect(summary).toBe(
      'True positive (93% likely malicious). Names an interactive shell handed to a remote party [ev-2]; Reconnaissance traffic [ev-4]; A fourth reason that falls off the list [ev-5].',
    );
  });

  it('a closed verdict names the benign reasons; an abstention names the strongest of either sign', () => {
    expect(explain(aitAlert, 'benign_positive', 0.12, evidence, weights(evidence)).summary).toBe(
      'Benign positive (12% likely malicious). Nothing else new is happening on host intranet_server [ev-3].',
    );
    expect(explain(aitAlert, 'false_positive', 0.12, evidence, weights(evidence)).summary).toMatch(/^False positive \(12% likely malicious\)\. Nothing else/);
    expect(explain(aitAlert, 'inconclusive', 0.5, evidence, weights(evidence)).summary).toBe(
      'Inconclusive (50% likely malicious). Names an interactive shell handed to a remote party [ev-2]; Reconnaissance traffic [ev-4]; A fourth reason that falls off the list [ev-5].',
    );
  });

  it('ranks by the weight decide applied, not the weight emitted', () => {
    const applied = new Map([
      ['ev-1', 3],
      ['ev-2', 0.1],
      ['ev-4', 0.2],
    ]);
    const { summary } = explain(aitAlert, 'true_positive', 0.9, evidence.slice(0, 4), applied);
    expect(summary).toContain('suspicious [ev-1]; Reconnaissance traffic [ev-4]; Names an interactive shell handed to a remote party [ev-2].');
  });

  it('says so when nothing moved the score', () => {
    expect(explain(aitAlert, 'inconclusive', 0.3, [evidence[5]!], weights(evidence)).summary).toBe('Inconclusive (30% likely malicious). No evidence moved the score from the prior.');
  });

  it('keeps the rule author when the alert has one (Detection Rule License), and adds none otherwise', () => {
    const { summary } = explain(bitsadmin, 'true_positive', 0.8, evidence, weights(evidence));
    expect(summary).toMatch(/ Rule "File Download Via Bitsadmin" by Michael Haag, FPT\.EagleEye\.$/);
    expect(explain(aitAlert, 'true_positive', 0.8, evidence, weights(evidence)).summary).not.toContain(' by ');
  });

  it("lists the rule's techniques as origin rule and the event's as inferred, with catalogue names and tactics", () => {
    const inferred = [item('ev-7', 1, 'Bitsadmin transfer.', { attack: ['T1197', 't1105', 'T1059.001'] }), item('ev-8', 0.5, 'Unknown id.', { attack: ['T9999'] })];
    const { attack } = explain(bitsadmin, 'true_positive', 0.8, inferred, weights(inferred));
    expect(attack.map((technique) => [technique.id, technique.origin])).toEqual([
      ['T1197', 'rule'],
      ['T1036.003', 'rule'],
      ['T1105', 'rule'],
      ['T1059.001', 'inferred'],
      ['T9999', 'inferred'],
    ]);
    expect(attack[0]).toMatchObject({ name: 'BITS Jobs', tactics: expect.arrayContaining(['persistence']) });
    expect(attack[3]).toMatchObject({ name: 'PowerShell', tactics: ['execution'] });
    // Not in the catalogue: kept (the event said so), with no tactics and a name that says it is unknown.
    expect(attack[4]).toMatchObject({ id: 'T9999', tactics: [], origin: 'inferred' });
    expect(attack[4]!.name).toMatch(/unknown|not in/i);
  });
});
