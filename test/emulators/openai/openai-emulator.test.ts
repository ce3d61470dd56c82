import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from './openai-emulator.js';

const strictFormat = {
  type: 'json_schema' as const,
  json_schema: {
    name: 'answer',
    strict: true,
    schema: { type: 'object', properties: { verdict: { type: 'string' } }, required: ['verdict'], additionalProperties: false },
  },
};

describe('OpenAI emulator with the real openai client', () => {
  let emulator: OpenAIEmulator;
  let client: OpenAI;

  beforeAll(async () => {
    emulator = await startOpenAIEmulator({ apiKey: 'test-key' });
    client = new OpenAI({ apiKey: 'test-key', baseURL: emulator.baseURL, maxRetries: 2 });
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it('answers a structured request with usage and records the body', async () => {
    emulator.enqueue({ kind: 'answer', content: { verdict: 'true_positive' }, promptTokens: 11, completionTokens: 7 });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], response_format: strictFormat });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ verdict: 'true_positive' });
    expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect(emulator.completionRequests()[0]!.body).toMatchObject({ model: 'm', response_format: strictFormat });
    expect(emulator.requests[0]!.headers.authorization).toBe('Bearer test-key');
  });

  it('returns tool calls and checks that each gets a tool message', async () => {
    emulator.enqueue({ kind: 'tool_calls', calls: [{ name: 'lookupThreatIntel', arguments: { indicator: '8.8.8.8' } }] });
    const tools = [{ type: 'function' as const, function: { name: 'lookupThreatIntel', parameters: { type: 'object', properties: {} } } }];
    const first = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ indicator: '8.8.8.8' });

    // A conversation that leaves the call unanswered is rejected, as the real API does.
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }, first.choices[0]!.message, { role: 'user', content: 'and?' }], tools }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('rejects a strict schema that leaves a property optional', async () => {
    const loose = { ...strictFormat, json_schema: { ...strictFormat.json_schema, schema: { ...strictFormat.json_schema.schema, required: [] } } };
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: loose })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('streams content deltas and a usage chunk', async () => {
    emulator.enqueue({ kind: 'answer', content: 'a fairly long streamed answer text' });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('a fairly long streamed answer text');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('sends 429 with retry-after-ms, which the client honours and retries', async () => {
    emulator.enqueue({ kind: 'error', status: 429, retryAfterMs: 5 }, { kind: 'error', status: 503, retryAfterMs: 5 }, { kind: 'answer', content: 'ok' });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(completion.choices[0]!.message.content).toBe('ok');
    expect(emulator.completionRequests()).toHaveLength(3);
  });

  it('refuses a wrong key with 401', async () => {
    const wrong = new OpenAI({ apiKey: 'nope', baseURL: emulator.baseURL, maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
  });

  it('serves the Azure deployment path with api-version and the api-key header', async () => {
    emulator.setHandler(() => ({ kind: 'answer', content: 'azure ok' }));
    const azure = new AzureOpenAI({ apiKey: 'test-key', endpoint: emulator.origin, deployment: 'gpt-4o-triage', apiVersion: '2024-10-21', maxRetries: 0 });
    const completion = await azure.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    emulator.setHandler(undefined);
    expect(completion.choices[0]!.message.content).toBe('azure ok');
    const recorded = emulator.completionRequests()[0]!;
    expect(recorded.deployment).toBe('gpt-4o-triage');
    expect(recorded.query['api-version']).toBe('2024-10-21');
    expect(recorded.headers['api-key']).toBe('test-key');
  });

  it('fails loudly when a test forgot to script a reply', async () => {
    const once = new OpenAI({ apiKey: 'test-key', baseURL: emulator.baseURL, maxRetries: 2 });
    await expect(once.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 500 });
    expect(emulator.completionRequests()).toHaveLength(1);
  });
});
