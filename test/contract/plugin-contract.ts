import fc from 'fast-check';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AlertV1Schema, type Alert } from '../../core/spec/alert.js';
import { InvalidAlertError, VerdictError } from '../../core/spec/errors.js';
import type { PlatformPluginV1 } from '../../core/spec/plugin.js';
import type { TriageResult } from '../../core/spec/result.js';
import { captureOutput, deepFreeze, errorText, leakedSecrets, triageWithDefaultEngine, VERDICT_KINDS, withVerdict } from './contract-support.js';

/**
 * The one contract every platform plugin passes (the Hono / unstorage model): call
 * `runPluginContract` from `<platform>.contract.test.ts`. A test that cannot apply to a plugin is
 * skipped only through `skip`, with the reason shown in the test name; a test whose input is
 * missing (no golden folder, no render schema, no transport harness) fails instead of passing.
 */

export const CONTRACT_TESTS = {
  golden: 'normalizes real fixtures to the golden output',
  invalid: 'rejects each invalid fixture with InvalidAlertError naming the field',
  randomPayloads: 'throws nothing but InvalidAlertError on random payloads',
  detect: 'detects its own fixtures and never throws on random payloads',
  normalizePurity: 'normalize is pure: same input, deep-equal output, input not mutated',
  renderPurity: 'render is pure: same result, deep-equal output, result not mutated',
  renderValid: 'renders valid native output for every verdict kind',
  idempotencyKey: 'keeps one idempotency key per alert and verdict revision, whatever a re-triage changes',
  retryable: 'retries 429 and 5xx with back-off, honouring Retry-After',
  notRetryable: 'fails other 4xx at once with a non-retryable PlatformApiError',
  givesUp: 'gives up after maxRetries with a retryable PlatformApiError',
  secrets: 'never puts a config secret into errors, rendered output or logs',
} as const;
export type ContractTest = keyof typeof CONTRACT_TESTS;

/** A live transport against an emulator, started fresh for each transport test. */
export interface TransportHarness {
  start(): Promise<TransportSession>;
}

export interface TransportSession {
  /** A plugin configured against the emulator, with a recording sleep and log hook. */
  plugin: PlatformPluginV1;
  /** Every secret in that plugin's config. */
  secrets: string[];
  /** The plugin's maxRetries (at least 2) and retry-delay cap (at least 10 s, so Retry-After shows). */
  maxRetries: number;
  /** Back-off waits asked for (ms), in order; the suite empties it before each call. */
  waits: number[];
  /** What the plugin logged through its own hooks (retry notices). */
  logs: string[];
  /** Platform calls through the plugin (pull, deliver, dispositions…); each is a fresh call. */
  calls: Record<string, () => Promise<unknown>>;
  /** The next `count` requests of `call` answer `status`; replaces earlier faults. */
  failNext(call: string, fault: { status: number; count: number; retryAfterSeconds?: number }): void;
  /** Configs holding a secret and a mistake: `createPlugin` must refuse them without echoing it. */
  invalidConfigs: unknown[];
  close(): Promise<void>;
}

export interface PluginContractOptions {
  name: string;
  /** Without a config: the pure plugin (normalize, render). With one: as configured by a user. */
  createPlugin: (config?: unknown) => PlatformPluginV1;
  fixtures: { valid: unknown[]; invalid: Array<{ payload: unknown; path: string }> };
  /** Folder for `normalize.json`, the golden output of the valid fixtures. */
  goldenDir?: string;
  /** The platform's native write-back shape: every rendered payload must parse. */
  renderSchema?: z.ZodType;
  transport?: TransportHarness;
  skip?: Array<{ reason: string; tests: ContractTest[] }>;
}

const RANDOM_RUNS = 300;
const NON_RETRYABLE_STATUSES = [400, 401, 403, 404];

export function runPluginContract(options: PluginContractOptions): void {
  const skipReasons = new Map<ContractTest, string>();
  for (const entry of options.skip ?? []) {
    if (entry.reason.trim() === '') throw new Error(`${options.name}: a skipped contract test needs a reason`);
    for (const test of entry.tests) {
      if (!(test in CONTRACT_TESTS)) throw new Error(`${options.name}: no contract test "${test}" (known: ${Object.keys(CONTRACT_TESTS).join(', ')})`);
      skipReasons.set(test, entry.reason);
    }
  }
  const contractTest = (id: ContractTest, body: () => unknown, timeout?: number): void => {
    const reason = skipReasons.get(id);
    if (reason !== undefined) it.skip(`${CONTRACT_TESTS[id]} (skipped: ${reason})`, () => {});
    else it(CONTRACT_TESTS[id], body, timeout);
  };
  const needs = <T>(value: T | undefined, what: string, id: ContractTest): T => {
    if (value === undefined) throw new Error(`${options.name}: give ${what}, or skip "${id}" with a reason`);
    return value;
  };
  const plugin = (): PlatformPluginV1 => options.createPlugin();
  const { valid, invalid } = options.fixtures;

  describe(`plugin contract: ${options.name}`, () => {
    it('has fixtures to test with', () => {
      expect(valid.length, 'valid fixtures').toBeGreaterThan(0);
      expect(plugin().specificationVersion).toBe('v1');
    });

    contractTest('golden', async () => {
      const goldenDir = needs(options.goldenDir, 'goldenDir', 'golden');
      const alerts = valid.map((native) => plugin().normalizeAlert(native));
      for (const alert of alerts) expect(AlertV1Schema.safeParse(alert).success).toBe(true);
      await expect(`${JSON.stringify(alerts, null, 2)}\n`).toMatchFileSnapshot(join(goldenDir, 'normalize.json'));
    });

    contractTest('invalid', () => {
      expect(invalid.length, 'invalid fixtures').toBeGreaterThan(0);
      for (const { payload, path } of invalid) {
        const error = catchError(() => plugin().normalizeAlert(payload));
        expect(error, `${inspect(payload, { depth: 2 })} must be rejected`).toBeInstanceOf(InvalidAlertError);
        const paths = (error as InvalidAlertError).issues.map((issue) => issue.path);
        expect(paths, `the error must name ${path || '(the record)'}`).toContain(path);
      }
    });

    contractTest('randomPayloads', () => {
      const normalize = plugin().normalizeAlert;
      const check = (payload: unknown): void => {
        const error = catchError(() => {
          const alert = normalize(payload);
          if (!AlertV1Schema.safeParse(alert).success) throw new Error('normalize returned an invalid Alert');
        });
        if (error === undefined) return;
        if (!(error instanceof InvalidAlertError)) throw new Error(`threw ${errorName(error)} instead of InvalidAlertError: ${String((error as Error).message)}`);
        if (error.issues.length === 0 || error.issues.some((issue) => typeof issue.path !== 'string')) throw new Error('InvalidAlertError without a field path');
      };
      fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.anything()), check), { numRuns: RANDOM_RUNS });
      fc.assert(fc.property(mutatedFixture(valid), check), { numRuns: RANDOM_RUNS });
    });

    contractTest('detect', () => {
      const detect = plugin().detect;
      for (const native of valid) expect(detect(native), inspect(native, { depth: 1 })).toBe(true);
      fc.assert(
        fc.property(fc.oneof(fc.anything(), mutatedFixture(valid)), (payload) => typeof detect(payload) === 'boolean'),
        { numRuns: RANDOM_RUNS },
      );
    });

    contractTest('normalizePurity', () => {
      for (const fixture of valid) {
        const native = structuredClone(fixture);
        const frozen = deepFreeze(structuredClone(fixture));
        const first = plugin().normalizeAlert(frozen);
        expect(plugin().normalizeAlert(frozen)).toEqual(first);
        expect(plugin().normalizeAlert(native)).toEqual(first);
        expect(native, 'the input is not mutated').toEqual(frozen);
      }
    });

    contractTest('renderPurity', () => {
      for (const result of renderInputs()) {
        const frozen = deepFreeze(structuredClone(result));
        const first = plugin().renderResult(frozen);
        expect(plugin().renderResult(frozen)).toEqual(first);
        expect(plugin().renderResult(result)).toEqual(first);
        expect(result, 'the result is not mutated').toEqual(frozen);
      }
    });

    contractTest('renderValid', () => {
      const schema = needs(options.renderSchema, 'renderSchema', 'renderValid');
      const rendered = renderInputs();
      expect(new Set(rendered.map((result) => result.verdict))).toEqual(new Set(VERDICT_KINDS));
      for (const result of rendered) {
        const output = plugin().renderResult(result);
        expect(output.idempotencyKey).toMatch(/\S/);
        const parsed = schema.safeParse(output.payload);
        expect(parsed.success ? [] : parsed.error.issues, `${result.alertId} as ${result.verdict}`).toEqual([]);
      }
      // Text from the alert and the engine (summaries, claims, rule names) can hold anything.
      const base = rendered[0]!;
      fc.assert(
        fc.property(fc.constantFrom(...VERDICT_KINDS), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary', minLength: 1 }), (verdict, summary, ruleName) => {
          const result = { ...withVerdict(base, verdict), summary, ruleName };
          return schema.safeParse(plugin().renderResult(result).payload).success;
        }),
        { numRuns: 100 },
      );
    });

    contractTest('idempotencyKey', () => {
      const results = renderInputs();
      const keys = new Map<string, string>();
      for (const result of results) {
        const key = plugin().renderResult(result).idempotencyKey;
        // A re-pulled alert is triaged again: its time, summary, score, even verdict may differ; it is
        // the same write (deliveryKey: alert id, target, revision), so the same key.
        const retriaged = { ...result, createdAt: '2099-01-01T00:00:00.000Z', summary: `${result.summary} (again)`, probabilityMalicious: 1 - result.probabilityMalicious };
        expect(plugin().renderResult(retriaged).idempotencyKey).toBe(key);
        // A new revision of the verdict is a new write.
        expect(plugin().renderResult({ ...result, revision: (result.revision ?? 1) + 1 }).idempotencyKey).not.toBe(key);
        const identity = `${result.alertId}\u0000${result.revision ?? 1}`;
        expect(keys.has(key) ? keys.get(key) : identity, `key ${key} is shared by two alerts`).toBe(identity);
        keys.set(key, identity);
      }
      expect(keys.size).toBe(new Set(results.map((result) => result.alertId)).size);
    });

    const transportTest = (id: ContractTest, body: (session: TransportSession) => Promise<void>): void => {
      contractTest(
        id,
        async () => {
          const session = await needs(options.transport, 'a transport harness', id).start();
          try {
            expect(session.maxRetries).toBeGreaterThanOrEqual(2);
            await body(session);
          } finally {
            await session.close();
          }
        },
        30_000,
      );
    };
    const attempt = async (session: TransportSession, call: string): Promise<unknown> => {
      session.waits.length = 0;
      try {
        await session.calls[call]!();
        return undefined;
      } catch (error) {
        return error ?? new Error('rejected with nothing');
      }
    };

    transportTest('retryable', async (session) => {
      for (const call of Object.keys(session.calls)) {
        for (const status of [500, 502, 503, 504]) {
          session.failNext(call, { status, count: 2 });
          expect(await attempt(session, call), `${call} after two ${status}`).toBeUndefined();
          expect(session.waits, `${call}: one back-off per ${status}`).toHaveLength(2);
          expect(session.waits[1]!, `${call}: back-off grows`).toBeGreaterThan(session.waits[0]!);
        }
        session.failNext(call, { status: 429, count: 1, retryAfterSeconds: 7 });
        expect(await attempt(session, call), `${call} after a 429`).toBeUndefined();
        expect(session.waits, `${call}: Retry-After 7 s is honoured`).toEqual([7000]);
      }
    });

    transportTest('notRetryable', async (session) => {
      for (const call of Object.keys(session.calls)) {
        for (const status of NON_RETRYABLE_STATUSES) {
          session.failNext(call, { status, count: 1 });
          const error = await attempt(session, call);
          expect(VerdictError.isInstance(error), `${call} on ${status}: ${errorName(error)}`).toBe(true);
          expect(error).toMatchObject({ name: 'PlatformApiError', statusCode: status, isRetryable: false });
          expect(session.waits, `${call} on ${status}: no retry`).toEqual([]);
        }
      }
    });

    transportTest('givesUp', async (session) => {
      for (const call of Object.keys(session.calls)) {
        session.failNext(call, { status: 503, count: session.maxRetries + 1 });
        const error = await attempt(session, call);
        expect(error).toMatchObject({ name: 'PlatformApiError', statusCode: 503, isRetryable: true });
        expect(session.waits).toHaveLength(session.maxRetries);
      }
    });

    transportTest('secrets', async (session) => {
      expect(session.secrets.length).toBeGreaterThan(0);
      const texts: string[] = [];
      const captured = await captureOutput(async () => {
        for (const call of Object.keys(session.calls)) {
          for (const status of [...NON_RETRYABLE_STATUSES, 503]) {
            session.failNext(call, { status, count: status === 503 ? session.maxRetries + 1 : 1 });
            const error = await attempt(session, call);
            expect(error, `${call} on ${status} must fail`).toBeDefined();
            texts.push(errorText(error));
          }
        }
        for (const config of session.invalidConfigs) {
          const error = catchError(() => options.createPlugin(config));
          expect(VerdictError.isInstance(error), `a bad config must be refused with a VerdictError, got ${errorName(error)}`).toBe(true);
          texts.push(errorText(error));
        }
        for (const result of renderInputs()) texts.push(JSON.stringify(session.plugin.renderResult(result)));
      });
      if (captured.error !== undefined) throw captured.error;
      texts.push(captured.output, ...session.logs, inspect(session.plugin, { depth: 10, showHidden: true }));
      for (const text of texts) expect(leakedSecrets(text, session.secrets), text.slice(0, 300)).toEqual([]);
    });
  });

  /** Real fixtures triaged by the real engine, each recast as every verdict kind (built once). */
  let triaged: TriageResult[] | undefined;
  function renderInputs(): TriageResult[] {
    if (!triaged) {
      const alerts: Alert[] = valid.slice(0, 4).map((native) => plugin().normalizeAlert(native));
      triaged = triageWithDefaultEngine(alerts).flatMap((result) => VERDICT_KINDS.map((verdict) => withVerdict(result, verdict)));
    }
    return triaged.map((result) => structuredClone(result));
  }
}

/** A valid fixture with some fields removed and others replaced by arbitrary values. */
function mutatedFixture(valid: unknown[]): fc.Arbitrary<unknown> {
  const objects = valid.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item));
  if (objects.length === 0) return fc.anything();
  return fc.constantFrom(...objects).chain((fixture) => {
    const keys = Object.keys(fixture);
    const key = keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), fc.string()) : fc.string();
    return fc.tuple(fc.subarray(keys), fc.dictionary(key, fc.anything(), { maxKeys: 4 })).map(([removed, replaced]) => {
      const copy: Record<string, unknown> = { ...fixture };
      for (const field of removed) delete copy[field];
      return Object.assign(copy, replaced);
    });
  });
}

function catchError(call: () => unknown): unknown {
  try {
    call();
    return undefined;
  } catch (error) {
    return error ?? new Error('threw nothing');
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
