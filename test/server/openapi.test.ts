import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildOpenApiDocument, renderOpenApiYaml } from '../../core/server/openapi.js';
import { startTestServer, type TestServer } from './server-harness.js';

const COMMITTED = path.join(import.meta.dirname, '..', '..', 'manifests', 'soar', 'openapi.yaml');

describe('OpenAPI document', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer();
  });
  afterAll(async () => harness.close());

  it('matches the committed manifests/soar/openapi.yaml (run `npm run openapi` after changing the API)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(renderOpenApiYaml());
  });

  it('is served at /openapi.json, equal to the committed file', async () => {
    const served = await harness.request('GET', '/openapi.json');
    expect(served.json).toEqual(parse(readFileSync(COMMITTED, 'utf8')));
  });

  it('is self-consistent: every $ref resolves, operation ids are unique, every served route is described', () => {
    const document = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, unknown> } };
    const refs = [...JSON.stringify(document).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(document.components.schemas, ref).toHaveProperty(ref);
    const operationIds = Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
    for (const [documented, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) {
        const url = documented.replace(/\{(\w+)\}/g, ':$1');
        expect(harness.server.hasRoute({ url, method: method.toUpperCase() as 'GET' }), `${method} ${url}`).toBe(true);
      }
    }
  });
});

describe('metrics', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer();
  });
  afterAll(async () => harness.close());

  it('exposes requests, latency, verdicts by kind, duplicates, dead letters and store latency', async () => {
    const { sampleAlert } = await import('./server-harness.js');
    await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: [sampleAlert('m1'), sampleAlert('m2'), sampleAlert('bad', { time: 'never' })] });
    const metrics = await harness.request('GET', '/metrics', { token: harness.tokens.feedback });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = metrics.text;
    expect(text).toMatch(/verdict_http_requests_total\{method="POST",route="\/v1\/triage",status_code="200"\} 1/);
    expect(text).toContain('verdict_http_request_duration_seconds_bucket');
    expect(text).toMatch(/verdict_verdicts_total\{verdict="\w+"\} [12]/);
    expect(text).toMatch(/verdict_duplicates_total 1/);
    expect(text).toMatch(/verdict_dead_letters_total 1/);
    expect(text).toMatch(/verdict_store_duration_seconds_count\{operation="saveResults"\} 1/);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
  });
});
