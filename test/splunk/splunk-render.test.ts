import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../core/spec/result.js';
import { renderSplunkResult, splunkIdempotencyKey, type SplunkRenderOptions, type SplunkWriteBack } from '../../plugins/splunk/splunk-render.js';
import { parseConf } from '../../scripts/package/conf-file.js';
import { makeTriageResult } from './triage-result-fixture.js';

const ES7: SplunkRenderOptions = { esVersion: 7, closeOnBenign: false, hecSourcetype: 'verdict:result' };
const render = (overrides = {}, options: Partial<SplunkRenderOptions> = {}) => {
  const output = renderSplunkResult(makeTriageResult(overrides), { ...ES7, ...options });
  return { ...output, payload: output.payload as SplunkWriteBack };
};

describe('Splunk render', () => {
  it.each<[Verdict, string]>([
    ['true_positive', 'disposition:1'],
    ['benign_positive', 'disposition:2'],
    ['false_positive', 'disposition:3'],
    ['inconclusive', 'disposition:6'],
  ])('writes %s as %s through notable_update', (verdict, disposition) => {
    const { payload } = render({ verdict });
    expect(payload.notableUpdate).toMatchObject({ ruleUIDs: ['2CF264EE-6016-4F6A-BCC3-4B7251E113F7@@notable@@035142b19c09ab645c6bbfb847e866f4'], disposition });
    expect(payload.notableUpdate?.status).toBeUndefined();
  });

  it('closes only benign and false positives, and only under the closeOnBenign policy', () => {
    expect(render({ verdict: 'benign_positive' }, { closeOnBenign: true }).payload.notableUpdate?.status).toBe('5');
    expect(render({ verdict: 'false_positive' }, { closeOnBenign: true }).payload.notableUpdate?.status).toBe('5');
    expect(render({ verdict: 'true_positive' }, { closeOnBenign: true }).payload.notableUpdate?.status).toBeUndefined();
    expect(render({ verdict: 'inconclusive' }, { closeOnBenign: true }).payload.notableUpdate?.status).toBeUndefined();
    expect(render({ verdict: 'false_positive' }).payload.isClosing).toBe(false);
  });

  it('puts verdict, confidence, summary, top evidence, actions, rule author and the retry marker in the comment', () => {
    const { payload, idempotencyKey } = render();
    expect(payload.notableUpdate?.comment.split('\n')).toEqual([
      'Verdict (AI triage): true positive, confidence 91%, P(malicious) 94%',
      'bitsadmin downloaded a file from the internet on a workstation; matches T1197.',
      'Evidence:',
      '- (+1.80) bitsadmin /transfer downloads from an external URL [command-line]',
      '- (+0.70) this rule was confirmed malicious 3 times before [memory]',
      '- (-0.20) the host is a test workstation [inventory]',
      'Recommended actions:',
      '- isolate_host swachchhanda (needs approval): active download of a tool',
      'Rule author: Michael Haag, FPT.EagleEye',
      `[verdict:${idempotencyKey}]`,
    ]);
  });

  it('keeps one idempotency key per verdict: a re-render or a later createdAt is the same write', () => {
    const key = splunkIdempotencyKey(makeTriageResult());
    expect(key).toMatch(/^vk-[0-9a-f]{32}$/);
    expect(splunkIdempotencyKey(makeTriageResult({ createdAt: '2026-02-02T00:00:00.000Z' }))).toBe(key);
    // Re-triage of a re-pulled notable may change the summary or score: still the same write.
    expect(splunkIdempotencyKey(makeTriageResult({ summary: 'Duplicate of another alert', probabilityMalicious: 0.11 }))).toBe(key);
    expect(splunkIdempotencyKey(makeTriageResult({ revision: 2 }))).not.toBe(key);
    expect(splunkIdempotencyKey(makeTriageResult({ alertId: 'another' }))).not.toBe(key);
    expect(render()).toEqual(render());
  });

  it('ES 8: a finding update and a note instead of notable_update', () => {
    const { payload } = render({ alertId: 'ab12cd34-0000-4000-8000-000000000001@@notable@@time1768225865', verdict: 'benign_positive' }, { esVersion: 8, closeOnBenign: true });
    expect(payload.notableUpdate).toBeUndefined();
    expect(payload.finding).toMatchObject({ refId: 'ab12cd34-0000-4000-8000-000000000001@@notable@@time1768225865', notableTime: '1768225865', update: { disposition: 'disposition:2', status: '5' } });
    expect(payload.finding?.note.content).toContain('Verdict (AI triage): benign positive');
  });

  it('renders a HEC event with the verdict as indexed fields', () => {
    const { payload, idempotencyKey } = render({}, { hecIndex: 'verdict' });
    expect(payload.hecEvent).toMatchObject({
      time: 1767225600,
      source: 'verdict',
      sourcetype: 'verdict:result',
      index: 'verdict',
      fields: { verdict: 'true_positive', idempotency_key: idempotencyKey },
    });
    expect(payload.hecEvent.event).toMatchObject({ verdict: 'true_positive', rule_author: 'Michael Haag, FPT.EagleEye', attack: ['T1197'] });
  });

  it('renders a KV row whose fields are all declared in the app’s collections.conf', () => {
    const { payload, idempotencyKey } = render();
    const collections = parseConf(readFileSync(resolve(import.meta.dirname, '../../manifests/splunk/verdict_app/default/collections.conf'), 'utf8'));
    const declared = new Set(
      collections.stanzas
        .find((stanza) => stanza.name === 'verdict_results')!
        .settings.filter((setting) => setting.key.startsWith('field.'))
        .map((setting) => setting.key.slice('field.'.length)),
    );
    const { _key, ...fields } = payload.kvRow;
    expect(_key).toBe(idempotencyKey);
    expect(Object.keys(fields).filter((field) => !declared.has(field))).toEqual([]);
    expect(JSON.parse(String(payload.kvRow.evidence_json))).toHaveLength(3);
    expect(Object.values(payload.kvRow).every((value) => ['string', 'number', 'boolean'].includes(typeof value))).toBe(true);
  });
});

describe('Splunk plugin without a transport config', () => {
  it('normalizes and renders for the push path, and offers no transport', async () => {
    const { createSplunkPlugin } = await import('../../plugins/splunk/splunk-plugin.js');
    const plugin = createSplunkPlugin();
    expect(plugin).toMatchObject({ platform: 'splunk', specificationVersion: 'v1', capabilities: { pull: false, deliver: false, dispositions: false, search: false } });
    expect(plugin.pullAlerts).toBeUndefined();
    expect(plugin.normalizeAlert({ _time: '1700000000', search_name: 'Row from | verdict', dest: 'web01' }).entities).toEqual([{ kind: 'host', value: 'web01', role: 'target' }]);
    expect((plugin.renderResult(makeTriageResult()).payload as SplunkWriteBack).notableUpdate?.disposition).toBe('disposition:1');
  });
});
