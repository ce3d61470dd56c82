import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PlatformApiError } from '../../core/spec/errors.js';
import { createSplunkApi } from '../../plugins/splunk/splunk-api.js';
import { parseSplunkConfig } from '../../plugins/splunk/splunk-config.js';
import { createSplunkPlugin } from '../../plugins/splunk/splunk-plugin.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { loadAitNotables } from '../emulators/splunk/seed.js';

const PASSWORD = 'pa55-Verdict-Secret';
const TOKEN = 'tok-3f9a7c1e-very-secret';
const HEC_TOKEN = 'hec-0b8e5d2a-very-secret';

describe('Splunk transport retry classification', () => {
  let emulator: SplunkEmulator;
  beforeAll(async () => {
    emulator = await startSplunkEmulator({ users: { verdict_svc: PASSWORD }, tokens: { [TOKEN]: 'verdict_svc' }, hecTokens: { [HEC_TOKEN]: {} } });
    emulator.state.addNotables(await loadAitNotables('shaw', { distinct: true, limit: 5 }));
  });
  afterAll(() => emulator.close());

  const api = (auth: object, delays: number[] = [], overrides: object = {}) =>
    createSplunkApi(parseSplunkConfig({ baseUrl: emulator.url, auth, hecUrl: emulator.url, hecToken: HEC_TOKEN, maxRetries: 4, ...overrides }), {
      sleep: async (milliseconds) => void delays.push(milliseconds),
    });

  it('recovers from a 503 storm with exponential back-off', async () => {
    const delays: number[] = [];
    emulator.injectFaults({ status: 503, count: 3, match: /jobs\/export/ });
    const rows = await api({ username: 'verdict_svc', password: PASSWORD }, delays).exportSearch('`notable`', { earliestTime: '0' });
    expect(rows).toHaveLength(5);
    expect(delays).toEqual([250, 500, 1000]);
  });

  it('honours Retry-After on 429', async () => {
    const delays: number[] = [];
    emulator.injectFaults({ status: 429, count: 1, retryAfterSeconds: 7, match: /collector\/event/ });
    await api({ token: TOKEN }, delays).sendHecEvent({ time: 1, source: 'verdict', sourcetype: 'verdict:result', event: { a: 1 }, fields: {} });
    expect(delays).toEqual([7000]);
    expect(emulator.state.hecEvents).toHaveLength(1);
  });

  it('gives up after maxRetries and says the call is retryable', async () => {
    emulator.injectFaults({ status: 503, count: 10, match: /notable_update/ });
    const failure = await api({ token: TOKEN }, [], { maxRetries: 2 })
      .updateNotables({ ruleUIDs: ['x'], disposition: 'disposition:1', comment: 'c' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlatformApiError);
    expect(failure).toMatchObject({ statusCode: 503, isRetryable: true });
    emulator.clearFaults();
  });

  it('fails a 400 at once with a message naming the call and the fix', async () => {
    const delays: number[] = [];
    const failure = await api({ token: TOKEN }, delays)
      .updateNotables({ ruleUIDs: ['x'], disposition: 'disposition:9', comment: 'c' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlatformApiError);
    expect(failure).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((failure as Error).message).toMatch(/notable_update: Splunk answered HTTP 400 \(Invalid disposition disposition:9\)/);
    expect(delays).toEqual([]);
  });

  it('never puts a secret into an error message', async () => {
    const failures = await Promise.all([
      api({ username: 'verdict_svc', password: `${PASSWORD}-wrong` })
        .exportSearch('`notable`')
        .catch((error: unknown) => error),
      api({ token: `${TOKEN}-wrong` })
        .exportSearch('`notable`')
        .catch((error: unknown) => error),
      createSplunkApi(parseSplunkConfig({ baseUrl: emulator.url, auth: { token: TOKEN }, hecUrl: emulator.url, hecToken: `${HEC_TOKEN}-x` }))
        .sendHecEvent({ time: 1, source: 's', sourcetype: 't', event: {}, fields: {} })
        .catch((error: unknown) => error),
      createSplunkApi(parseSplunkConfig({ baseUrl: 'http://127.0.0.1:1', auth: { token: TOKEN }, maxRetries: 0 }))
        .exportSearch('`notable`')
        .catch((error: unknown) => error),
    ]);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(PlatformApiError);
      const text = `${(failure as Error).message} ${String((failure as Error).cause ?? '')} ${JSON.stringify(failure)}`;
      for (const secret of [PASSWORD, TOKEN, HEC_TOKEN]) expect(text).not.toContain(secret);
    }
    expect(failures.slice(0, 3)).toMatchObject([{ statusCode: 401, isRetryable: false }, { statusCode: 401 }, { statusCode: 403 }]);
    expect(failures[3]).toMatchObject({ statusCode: undefined, isRetryable: true });
  });

  it('rejects a bad config naming the field, without echoing secrets', () => {
    const attempt = () => createSplunkPlugin({ baseUrl: 'not a url', auth: { token: TOKEN }, hecToken: HEC_TOKEN, pageSize: 0 });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/splunk\.baseUrl/);
      expect(message).toMatch(/splunk\.pageSize/);
      expect(message).not.toContain(TOKEN);
      expect(message).not.toContain(HEC_TOKEN);
    }
  });
});
