import { inspect } from 'node:util';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import { createOfflineEngine } from '../../core/runtime/engine-factory.js';
import type { Alert } from '../../core/spec/alert.js';
import { TriageResultV1Schema, VerdictSchema, type TriageResult, type Verdict } from '../../core/spec/result.js';

/**
 * Helpers of the plugin contract suite: real triage results to render, deep freezing for purity
 * checks, every text an error can show (for secret checks), and capture of what a call prints.
 */

export const VERDICT_KINDS: readonly Verdict[] = VerdictSchema.options;

/** Where each verdict kind sits on the probability scale (inside the default decide bands). */
const PROBABILITY_BY_VERDICT: Record<Verdict, number> = {
  true_positive: 0.93,
  benign_positive: 0.08,
  false_positive: 0.04,
  inconclusive: 0.45,
};

/**
 * Triages alerts with the real offline engine (default config, empty memory), so rendered results
 * carry real evidence, trace and recommended actions rather than invented ones.
 */
export function triageWithDefaultEngine(alerts: readonly Alert[]): TriageResult[] {
  const { engine } = createOfflineEngine({ config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home: process.cwd() });
  return alerts.map((alert) => engine.triage(alert));
}

/** The same triage result recast as `verdict`, still TriageResultV1Schema-valid. */
export function withVerdict(result: TriageResult, verdict: Verdict): TriageResult {
  const probabilityMalicious = PROBABILITY_BY_VERDICT[verdict];
  const confidence = verdict === 'inconclusive' ? 0.3 : verdict === 'true_positive' ? probabilityMalicious : 1 - probabilityMalicious;
  return TriageResultV1Schema.parse({ ...result, verdict, probabilityMalicious, confidence, summary: `${result.summary} (${verdict})` });
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Everything an error could show an operator or a log: message, stack, causes, JSON, inspect. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (current instanceof Error) parts.push(current.name, current.message, current.stack ?? '');
    else parts.push(String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  try {
    parts.push(JSON.stringify(error) ?? '');
  } catch {
    parts.push('(not serializable)'); // A cycle: inspect below still shows every field.
  }
  parts.push(inspect(error, { depth: 10, showHidden: true }));
  return parts.join('\n');
}

/** Runs `call` while recording everything written to stdout, stderr and the console. */
export async function captureOutput<T>(call: () => Promise<T>): Promise<{ value: T | undefined; error: unknown; output: string }> {
  const written: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const originalWrites = streams.map((stream) => stream.write);
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originalConsole = consoleMethods.map((method) => console[method]);
  streams.forEach((stream, index) => {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (originalWrites[index] as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  });
  consoleMethods.forEach((method, index) => {
    console[method] = (...args: unknown[]) => {
      written.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 6 }))).join(' '));
      (originalConsole[index] as (...items: unknown[]) => void)(...args);
    };
  });
  try {
    return { value: await call(), error: undefined, output: written.join('\n') };
  } catch (error) {
    return { value: undefined, error, output: written.join('\n') };
  } finally {
    streams.forEach((stream, index) => {
      stream.write = originalWrites[index] as typeof stream.write;
    });
    consoleMethods.forEach((method, index) => {
      console[method] = originalConsole[index] as (typeof console)[typeof method];
    });
  }
}

/** The secrets found in a text, for a failure message that names which leaked (masked). */
export function leakedSecrets(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => text.includes(secret)).map((secret) => `${secret.slice(0, 3)}…(${secret.length} chars)`);
}
