import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EgressRecordSchema, createEgressLedger } from '../../core/reason/egress-ledger.js';
import { createReasoner } from '../../core/reason/reasoner.js';
import { AlertV1Schema } from '../../core/spec/alert.js';
import { aitSudoAlert, bitsadminAlert, offlineResult, THRESHOLDS } from './fixtures.js';
import { answer, reasonConfig, TEST_ENV, TEST_KEY, useOpenAIEmulator } from './harness.js';

describe('reasoner: privacy and the egress ledger', () => {
  const emulator = useOpenAIEmulator((running) => running.setHandler(undefined));

  /** The bitsadmin alert plus an email, an internal FQDN and a configured field. */
  function sensitiveAlert() {
    const base = bitsadminAlert();
    return AlertV1Schema.parse({
      ...base,
      entities: [
        ...base.entities,
        { kind: 'email', value: 'xodih.owner@contoso-internal.com', role: 'actor' },
        { kind: 'ip', value: '192.168.56.101', role: 'source' },
        { kind: 'ip', value: '8.8.8.8', role: 'destination' },
        { kind: 'domain', value: 'fileserver01.corp.contoso.local', role: 'related' },
      ],
      fields: { ...base.fields, employeeId: 'E-482913', note: 'logged on from 192.168.56.101 as xodih' },
    });
  }
  const SECRETS = ['xodih', 'swachchhanda', 'contoso-internal', '192.168.56.101', 'fileserver01', 'E-482913'];
  const PUBLIC = ['6FEB16602A2FD1158C6F7E56E3B05A5E9AC01E88089535978C890EC6954A5AFA', 'www.atomicredteam.io', '8.8.8.8'];
  const privacy = { fields: ['employeeId'], internalDomains: ['corp.contoso.local'] };

  it('sends no user, host, internal address, email or configured field, and restores them in the stored explanation', async () => {
    const alert = sensitiveAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });
    emulator.enqueue({ kind: 'tool_calls', calls: [{ name: 'lookupEntityHistory', arguments: { kind: 'host', value: 'HOST_1' } }] });
    emulator.enqueue(answer({ verdict: 'true_positive', confidence: 0.8, rationale: 'USER_1 on HOST_1 downloaded a file; EMAIL_1 and IP_1 are involved.', citedEvidenceIds: ['ev-1'] }));
    const reasoner = createReasoner(reasonConfig(emulator, { privacy }), {
      thresholds: THRESHOLDS,
      env: TEST_ENV,
      tools: { lookupEntityHistory: async (request) => ({ seen: request.value, peers: ['swachchhanda', '10.0.0.7'], owner: 'xodih' }) },
    });
    const result = await reasoner.reason({ alert, result: offline });

    const bodies = emulator.requests.map((request) => request.rawBody);
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      for (const secret of [...SECRETS, '10.0.0.7']) expect(body.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    for (const value of PUBLIC) expect(bodies[0]).toContain(value);
    // The profile folder names its user, and DOMAIN\user becomes HOST\USER.
    expect(bodies[0]).toMatch(/C:\\\\\\\\Users\\\\\\\\USER_\d+\\\\\\\\AppData/);
    expect(bodies[0]).toMatch(/HOST_\d+\\\\\\\\USER_\d+/);

    expect(result.summary).toContain('xodih on swachchhanda downloaded a file; xodih.owner@contoso-internal.com and 192.168.56.101 are involved.');
    expect(JSON.stringify(result)).not.toMatch(/\b(USER|HOST|EMAIL|IP|VALUE)_\d+\b/);
  });

  it('records exactly what left: fields, requests with digests and bytes, tokens and cost', async () => {
    const alert = sensitiveAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });
    emulator.enqueue(
      { kind: 'error', status: 503, retryAfterMs: 1 },
      { kind: 'answer', content: { verdict: 'inconclusive', confidence: 0.5, rationale: 'Unclear.', citedEvidenceIds: ['ev-3'], techniqueIds: [] }, promptTokens: 1200, completionTokens: 40 },
    );
    const recorded: unknown[] = [];
    const ledger = createEgressLedger({ onRecord: (entry) => recorded.push(entry) });
    const reasoner = createReasoner(reasonConfig(emulator, { privacy }), { thresholds: THRESHOLDS, env: TEST_ENV, ledger });
    const result = await reasoner.reason({ alert, result: offline });

    expect(recorded).toHaveLength(1);
    const entry = EgressRecordSchema.parse(recorded[0]);
    expect(entry).toMatchObject({
      alertId: alert.id,
      fingerprint: offline.fingerprint,
      endpoint: emulator.baseURL,
      model: 'gpt-test',
      promptVersion: 'triage-v1',
      inputTokens: 1200,
      outputTokens: 40,
      cost: 0.66,
      outcome: 'llm',
    });
    expect(result.engine.tokens).toBe(1240);
    // One entry per HTTP request, the retried 503 included, each matching the bytes the server got.
    expect(entry.requests.map((request) => request.status)).toEqual([503, 200]);
    entry.requests.forEach((request, index) => {
      const body = emulator.requests[index]!.rawBody;
      expect(request.bodyDigest).toBe(createHash('sha256').update(body).digest('hex'));
      expect(request.bytes).toBe(Buffer.byteLength(body));
    });
    expect(entry.fieldsSent).toEqual(expect.arrayContaining(['alert.title', 'alert.entities[1].value', 'alert.fields.employeeId', 'offline.evidence[ev-1].claim']));
    expect(entry.pseudonymizedFields).toEqual(expect.arrayContaining(['alert.entities[0].value', 'alert.entities[1].value', 'alert.fields.employeeId', 'alert.entities[6].value']));
    expect(entry.pseudonymizedFields).not.toContain('alert.entities[3].value');
    expect(entry.pseudonymizedFields).not.toContain('alert.entities[8].value');
    expect(entry.fieldsSent.some((path) => path.startsWith('alert.raw') || path.includes('recommendedActions'))).toBe(false);
    // swachchhanda is both the host and the domain part of swachchhanda\xodih: one token.
    expect(entry.pseudonyms).toEqual({ USER: 1, HOST: 2, EMAIL: 1, IP: 1, VALUE: 1 });
    const text = JSON.stringify(entry);
    for (const secret of [...SECRETS, TEST_KEY]) expect(text).not.toContain(secret);
    expect(reasoner.ledger.totals()).toMatchObject({ verdicts: 1, requests: 2, inputTokens: 1200, outputTokens: 40 });
  });

  it('sends the key from the named environment variable and never stores it', async () => {
    const alert = aitSudoAlert();
    const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.5 });
    emulator.enqueue(answer({ verdict: 'true_positive', confidence: 0.7 }));
    const reasoner = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV });
    const result = await reasoner.reason({ alert, result: offline });
    expect(emulator.requests[0]!.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(emulator.requests[0]!.rawBody).not.toContain('intranet_server');
    expect(emulator.requests[0]!.rawBody).not.toContain('10.143.2.4');
    expect(JSON.stringify(result)).not.toContain(TEST_KEY);
    expect(JSON.stringify(reasoner.ledger.entries())).not.toContain(TEST_KEY);
  });
});
