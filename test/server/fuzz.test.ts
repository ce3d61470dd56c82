import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityKindSchema } from '../../core/spec/alert.js';
import { startTestServer, type TestServer } from './server-harness.js';

/** Printable ASCII only: fetch itself refuses other header bytes before they reach the server. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 });

const isoTime = fc.date({ noInvalidDate: true, min: new Date('1970-01-01'), max: new Date('2100-01-01') }).map((date) => date.toISOString());
const entity = fc.record(
  { kind: fc.constantFrom(...EntityKindSchema.options, 'bogus'), value: fc.string(), role: fc.constantFrom('actor', 'target', 'source', 'destination', 'related', 'x') },
  { requiredKeys: [] },
);

/** Alert-shaped records with random, often wrong, values: they exercise normalize's field errors. */
const alertLike = fc.record(
  {
    id: fc.oneof(fc.string(), fc.integer()),
    source: fc.oneof(fc.record({ platform: fc.constantFrom('verdict', 'ocsf', 'splunk', ''), nativeIds: fc.dictionary(fc.string(), fc.string()) }), fc.jsonValue()),
    title: fc.string(),
    ruleName: fc.string(),
    severity: fc.constantFrom('low', 'medium', 'high', 'critical', 'informational', 'extreme', 3),
    time: fc.oneof(isoTime, fc.string(), fc.integer()),
    entities: fc.array(entity, { maxLength: 6 }),
    attack: fc.array(fc.constantFrom('T1059', 'T1059.001', 'T9999', 'nope'), { maxLength: 3 }),
    fields: fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 }),
    description: fc.string(),
  },
  { requiredKeys: [] },
);

/** Valid alerts with random content: they reach the enrichers and the engine. */
const validAlert = fc.record({
  id: fc.string({ minLength: 1, maxLength: 40 }),
  source: fc.record({ platform: fc.constant('verdict'), product: fc.string() }),
  title: fc.string({ minLength: 1 }),
  ruleName: fc.string({ minLength: 1 }),
  severity: fc.constantFrom('low', 'medium', 'high', 'critical', 'informational'),
  time: isoTime,
  entities: fc.array(
    fc.record({
      kind: fc.constantFrom(...EntityKindSchema.options),
      value: fc.oneof(fc.string({ minLength: 1 }), fc.ipV4(), fc.ipV6(), fc.domain(), fc.webUrl(), fc.emailAddress(), fc.stringMatching(/^[0-9a-f]{64}$/)),
      role: fc.constantFrom('actor', 'target', 'source', 'destination', 'related'),
      properties: fc.dictionary(fc.constantFrom('image', 'parentImage', 'commandLine', 'spf', 'dkim', 'dmarc', 'x'), fc.string()),
    }),
    { maxLength: 6 },
  ),
  attack: fc.array(fc.constantFrom('T1059', 'T1059.001', 'T1566', 'T1110', 'T9999'), { maxLength: 3 }),
  // `__proto__` keys are refused as prototype poisoning (400), so a valid alert never has one.
  fields: fc.dictionary(
    fc.string().filter((key) => key !== '__proto__'),
    fc.string(),
    { maxKeys: 5 },
  ),
});

const body = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  alertLike.map((value) => JSON.stringify(value)),
  fc.array(alertLike, { maxLength: 5 }).map((value) => JSON.stringify(value)),
  { arbitrary: validAlert.map((value) => JSON.stringify(value)), weight: 3 },
  { arbitrary: fc.array(validAlert, { maxLength: 5 }).map((value) => JSON.stringify({ alerts: value })), weight: 2 },
  fc.string(),
  fc.constant('{"__proto__": {"polluted": true}}'),
  fc.constant('{"constructor": {"prototype": {"x": 1}}}'),
);

/** Method and path: mostly real routes (so bodies reach handlers), some random ones. */
const endpoint = fc.oneof(
  { arbitrary: fc.tuple(fc.constant('POST'), fc.constantFrom('/v1/triage', '/v1/triage?platform=verdict', '/v1/triage?platform=ocsf', '/v1/triage?map=x', '/v1/triage?x=1')), weight: 5 },
  { arbitrary: fc.tuple(fc.constant('POST'), fc.constantFrom('/v1/feedback', '/v1/hooks/verdict', '/v1/hooks/nope', '/v1/approvals/x/decision')), weight: 2 },
  {
    arbitrary: fc.tuple(
      fc.constant('GET'),
      fc.oneof(
        fc.constantFrom('/v1/verdicts', '/v1/approvals', '/metrics', '/readyz', '/openapi.json'),
        fc.constantFrom('/v1/verdicts?', '/v1/approvals?', '/v1/verdicts/', '/v1/approvals/').chain((prefix) => fc.oneof(fc.webSegment(), fc.webQueryParameters()).map((rest) => prefix + rest)),
      ),
    ),
    weight: 3,
  },
  { arbitrary: fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.webPath()), weight: 1 },
);

describe('random input', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer({ rateLimit: { requestsPerSecond: 1e6, burst: 1e6 }, hookSecrets: { verdict: 'secret' } });
  });
  afterAll(async () => harness.close());

  it('never answers 500, whatever the method, path, headers and body', async () => {
    type Holder = keyof TestServer['tokens'] | 'none' | 'garbage';
    const tokenChoice = fc.oneof({ arbitrary: fc.constant<Holder>('admin'), weight: 6 }, fc.constantFrom<Holder>('triage', 'feedback', 'approver', 'none', 'garbage'));
    await fc.assert(
      fc.asyncProperty(
        endpoint,
        body,
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined),
        tokenChoice,
        fc.record({ 'x-verdict-timestamp': headerText, 'x-verdict-signature': headerText, 'x-request-id': headerText }, { requiredKeys: [] }),
        async ([method, target], payload, contentType, holder, extraHeaders) => {
          const headers: Record<string, string> = { ...extraHeaders };
          if (contentType) headers['content-type'] = contentType;
          if (holder === 'garbage') headers.authorization = 'Bearer vdt_not-a-token';
          else if (holder !== 'none') headers.authorization = `Bearer ${harness.tokens[holder]}`;
          const response = await harness.request(method, target, { headers, ...(method === 'GET' ? {} : { rawBody: payload }) });
          expect(response.status, `${method} ${target} ${payload.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives every valid alert a verdict, whatever its content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(validAlert, { minLength: 1, maxLength: 8 }), async (alerts) => {
        const unique = alerts.map((alert, index) => ({ ...alert, id: `${index}-${alert.id}` }));
        const response = await harness.request('POST', '/v1/triage', { token: harness.tokens.admin, body: unique });
        expect(response.status, response.text.slice(0, 300)).toBe(200);
        expect(response.json.results).toHaveLength(unique.length);
      }),
      { numRuns: 100 },
    );
  });
});
