import { TriageResultV1Schema, type TriageResult } from '../../core/spec/result.js';

/** A schema-valid TriageResult for render and delivery tests; override what a test is about. */
export function makeTriageResult(overrides: Partial<TriageResult> = {}): TriageResult {
  return TriageResultV1Schema.parse({
    alertId: '2CF264EE-6016-4F6A-BCC3-4B7251E113F7@@notable@@035142b19c09ab645c6bbfb847e866f4',
    platform: 'splunk',
    ruleName: 'File Download Via Bitsadmin',
    ruleAuthor: 'Michael Haag, FPT.EagleEye',
    verdict: 'true_positive',
    confidence: 0.91,
    probabilityMalicious: 0.94,
    summary: 'bitsadmin downloaded a file from the internet on a workstation; matches T1197.',
    evidence: [
      { id: 'ev-1', kind: 'command_line', claim: 'bitsadmin /transfer downloads from an external URL', weight: 1.8, source: 'command-line', refs: ['process'] },
      { id: 'ev-2', kind: 'memory', claim: 'this rule was confirmed malicious 3 times before', weight: 0.7, source: 'memory', refs: [] },
      { id: 'ev-3', kind: 'inventory', claim: 'the host is a test workstation', weight: -0.2, source: 'inventory', refs: ['dest'] },
    ],
    attack: [{ id: 'T1197', name: 'BITS Jobs', tactics: ['persistence', 'stealth'], origin: 'rule' }],
    recommendedActions: [
      { id: 'ra-1', action: 'isolate_host', target: 'swachchhanda', blastRadius: 'medium', requiresApproval: true, reason: 'active download of a tool', policyRule: 'isolation-needs-approval' },
    ],
    trace: [{ stage: 'decide', component: 'scorer', checked: 'prior + evidence', found: 'p=0.94', delta: 2.1, scoreAfter: 0.94, evidenceIds: ['ev-1'] }],
    engine: { version: '0.1.0', mode: 'offline', configDigest: 'sha256:test' },
    fingerprint: 'fp-1',
    alertTime: '2025-12-10T04:33:20.562Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });
}
