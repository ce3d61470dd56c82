import { describe, expect, it } from 'vitest';
import { createSentinelPlugin, renderSentinelResult, type SentinelWriteBack } from '../../plugins/sentinel/index.js';
import { validateArmBody } from '../emulators/microsoft/arm-schema.js';
import { validateGraphValue } from '../emulators/microsoft/graph-schema.js';
import { triageWithDefaultEngine, VERDICT_KINDS, withVerdict } from '../contract/contract-support.js';
import { openArmIncident, readFixture } from './sentinel-harness.js';

/**
 * Rendering under policy (classification written, benign / false positives closed), which the
 * contract suite's config-less plugin does not exercise: every value must be a member of the CSDL
 * enum or of Incidents.json, and alert text must not become markup in the HTML comment.
 */

const plugin = createSentinelPlugin();
const natives = [
  readFixture('graph-security-alert-v2.get.json'),
  readFixture<{ value: Array<Record<string, unknown>> }>('graph-security-incidents.list-expand-alerts.json').value[0]!,
  { ...readFixture('sentinel-incident.get.json'), properties: openArmIncident().properties },
];
const results = triageWithDefaultEngine(natives.map((native) => plugin.normalizeAlert(native)));
const policy = { writeClassification: true, closeOnBenign: true };

describe('Sentinel render under policy', () => {
  it('writes CSDL classification / determination / status and ARM classification / reason / status, per verdict', () => {
    const seen = new Set<string>();
    for (const base of results) {
      for (const verdict of VERDICT_KINDS) {
        const payload = renderSentinelResult(withVerdict(base, verdict), policy).payload as SentinelWriteBack;
        if (payload.graph) {
          const type = payload.resource === 'incidents' ? 'incident' : 'alert';
          expect(validateGraphValue({ ...payload.graph.patch, ...(type === 'incident' ? { customTags: payload.graph.tags } : {}) }, type, { mode: 'write' })).toEqual([]);
          expect(payload.graph.patch.classification !== undefined, `${verdict}: classification only for decided verdicts`).toBe(verdict !== 'inconclusive');
          expect(payload.graph.patch.status, verdict).toBe(verdict === 'benign_positive' || verdict === 'false_positive' ? 'resolved' : undefined);
          seen.add(`graph:${verdict}:${payload.graph.patch.classification}/${payload.graph.patch.determination}`);
        } else {
          const body = { properties: { title: 't', severity: 'High', status: 'Active', ...payload.arm!.properties, labels: payload.arm!.labels.map((labelName) => ({ labelName })) } };
          expect(validateArmBody(body, 'Incident')).toEqual([]);
          expect(payload.arm!.properties.status, verdict).toBe(verdict === 'benign_positive' || verdict === 'false_positive' ? 'Closed' : undefined);
          seen.add(`arm:${verdict}:${payload.arm!.properties.classification}/${payload.arm!.properties.classificationReason}`);
        }
      }
    }
    expect([...seen].sort()).toEqual([
      'arm:benign_positive:BenignPositive/SuspiciousButExpected',
      'arm:false_positive:FalsePositive/IncorrectAlertLogic',
      'arm:inconclusive:undefined/undefined',
      'arm:true_positive:TruePositive/SuspiciousActivity',
      'graph:benign_positive:informationalExpectedActivity/confirmedActivity',
      'graph:false_positive:falsePositive/notMalicious',
      'graph:inconclusive:undefined/undefined',
      'graph:true_positive:truePositive/other',
    ]);
  });

  it('without policy, nothing but tags and comments', () => {
    for (const base of results) {
      const payload = renderSentinelResult(withVerdict(base, 'false_positive'), { writeClassification: false, closeOnBenign: false }).payload as SentinelWriteBack;
      expect(payload.graph?.patch ?? payload.arm!.properties).toEqual({});
    }
  });

  it('escapes alert text in the HTML comment and keeps the retry marker last', () => {
    const hostile = { ...results[2]!, summary: '<img src=x onerror=alert(1)> "quoted" & more', ruleAuthor: '<b>x</b>' };
    const payload = renderSentinelResult(hostile, policy).payload as SentinelWriteBack;
    const message = payload.arm!.comment.properties.message;
    expect(message).not.toMatch(/<img|<b>x/);
    expect(message).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp; more');
    expect(message.endsWith(`<p><small>${payload.marker}</small></p>`)).toBe(true);
  });
});
