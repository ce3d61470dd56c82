import { describe, expect, it } from 'vitest';
import { describeEndpoint, parseReasonConfig, resolveApiKey } from '../../core/reason/reason-config.js';
import { createReasoner } from '../../core/reason/reasoner.js';
import { ConfigError } from '../../core/spec/errors.js';
import { THRESHOLDS } from './fixtures.js';

describe('reason config', () => {
  it('fills documented defaults', () => {
    const config = parseReasonConfig({ provider: { model: 'gpt-4o-mini' } });
    expect(config).toMatchObject({
      provider: { baseURL: 'https://api.openai.com/v1', timeoutMs: 30_000, maxRetries: 2, maxTokens: 800 },
      routing: { when: 'inconclusive-only' },
      maxLogitShift: 1,
      promptVersion: 'triage-v1',
    });
  });

  it('refuses an inline key without echoing it', () => {
    const secret = 'sk-proj-abcdefghijklmnop';
    let error: unknown;
    try {
      parseReasonConfig({ provider: { model: 'm', apiKey: secret } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('reason.provider.apiKey');
    expect((error as Error).message).toContain('{ env: "VAR_NAME" }');
    expect((error as Error).message).not.toContain(secret);
    // A key pasted where the variable name belongs is refused too.
    expect(() => parseReasonConfig({ provider: { model: 'm', apiKey: { env: secret } } })).toThrow(/environment variable name/);
  });

  it('rejects unknown keys, out-of-range values and Azure without its endpoint', () => {
    expect(() => parseReasonConfig({ provider: { model: 'm', temprature: 1 } })).toThrow(/reason\.provider/);
    expect(() => parseReasonConfig({ provider: { model: 'm', maxRetries: 5 } })).toThrow(/reason\.provider\.maxRetries/);
    expect(() => parseReasonConfig({ provider: { model: 'm' }, routing: { when: 'sometimes' } })).toThrow(/reason\.routing\.when/);
    expect(() => parseReasonConfig({ provider: { model: 'm', azure: { deployment: 'd', apiVersion: '2024-10-21' } } })).toThrow(/Azure resource endpoint/);
  });

  it('reads the key from the environment or a file, naming only the source on failure', () => {
    expect(resolveApiKey({ env: 'MY_KEY' }, { MY_KEY: ' k1 \n' })).toBe('k1');
    expect(() => resolveApiKey({ env: 'MY_KEY' }, {})).toThrow(/MY_KEY is empty or unset/);
    expect(resolveApiKey({ file: '/run/secrets/key' }, {}, () => 'k2\n')).toBe('k2');
    expect(() =>
      resolveApiKey({ file: '/nope' }, {}, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(/cannot read key file \/nope/);
    expect(resolveApiKey(undefined)).toBeUndefined();
  });

  it('describes the endpoint without credentials or query', () => {
    const provider = parseReasonConfig({ provider: { model: 'm', baseURL: 'https://user:pw@llm.example.com/v1?key=x' } }).provider;
    expect(describeEndpoint(provider)).toBe('https://llm.example.com/v1');
  });

  it('fails at start-up on a prompt version that has no file', () => {
    expect(() => createReasoner({ provider: { model: 'm' }, promptVersion: 'triage-v99' }, { thresholds: THRESHOLDS })).toThrow(/no prompt triage-v99\.md .* available: triage-v1/);
  });
});
