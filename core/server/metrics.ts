import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERDICT_VERSION } from '../version.js';
import type { TriageResult } from '../spec/result.js';
import type { VerdictRepository } from '../store/repository.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Triage calls reach tens of seconds when an LLM answers. */
const TRIAGE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const INSTRUMENTED = Symbol.for('verdict.instrumented-repository');

export interface ServerMetrics {
  registry: Registry;
  observeRequest(labels: { method: string; route: string; statusCode: number }, seconds: number): void;
  /** Counts verdicts, duplicates, and the LLM calls and tokens the results record. */
  countResults(results: readonly TriageResult[]): void;
  /** One triage call (an HTTP request, an async job or a webhook) of `alerts` alerts that took `seconds`. */
  observeTriage(mode: 'sync' | 'async' | 'hook', alerts: number, seconds: number): void;
  countDeadLetters(count: number): void;
  countApprovals(count: number): void;
  /** Times every repository call into the store latency histogram. */
  instrumentRepository(repository: VerdictRepository): void;
}

/** Prometheus metrics of one server, in its own registry (several servers can share a process). */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  // Node and process metrics under their standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes…), as dashboards expect them.
  collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({ name: 'verdict_build_info', help: 'Always 1; the labels say which build runs', labelNames: ['version', 'node_version'], registers: [registry] });
  buildInfo.set({ version: VERDICT_VERSION, node_version: process.version }, 1);
  const triageSeconds = new Histogram({
    name: 'verdict_triage_duration_seconds',
    help: 'Time to triage one request, job or webhook, by mode',
    labelNames: ['mode'],
    buckets: TRIAGE_BUCKETS,
    registers: [registry],
  });
  const alertSeconds = new Histogram({
    name: 'verdict_triage_alert_duration_seconds',
    help: "Time to triage one alert (a call's duration over its alerts), by mode",
    labelNames: ['mode'],
    buckets: TRIAGE_BUCKETS,
    registers: [registry],
  });
  const llmCalls = new Counter({
    name: 'verdict_llm_calls_total',
    help: 'Alerts sent to the LLM stage, by outcome (ok: the model answered; degraded: it did not and the offline verdict stood)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const llmTokens = new Counter({ name: 'verdict_llm_tokens_total', help: 'LLM tokens used, as the results record them', registers: [registry] });
  for (const outcome of ['ok', 'degraded']) llmCalls.inc({ outcome }, 0);
  const requests = new Counter({ name: 'verdict_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status_code'], registers: [registry] });
  const latency = new Histogram({ name: 'verdict_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const verdicts = new Counter({ name: 'verdict_verdicts_total', help: 'Verdicts given, by kind', labelNames: ['verdict'], registers: [registry] });
  const duplicates = new Counter({ name: 'verdict_duplicates_total', help: 'Alerts that reused the verdict of an earlier duplicate', registers: [registry] });
  const deadLetters = new Counter({ name: 'verdict_dead_letters_total', help: 'Records that could not become alerts', registers: [registry] });
  const approvals = new Counter({ name: 'verdict_approvals_requested_total', help: 'Recommended actions queued for human approval', registers: [registry] });
  const storeLatency = new Histogram({ name: 'verdict_store_duration_seconds', help: 'Store call latency', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers: [registry] });
  for (const verdict of ['true_positive', 'benign_positive', 'false_positive', 'inconclusive']) verdicts.inc({ verdict }, 0);

  return {
    registry,
    observeRequest({ method, route, statusCode }, seconds) {
      requests.inc({ method, route, status_code: String(statusCode) });
      latency.observe({ method, route }, seconds);
    },
    countResults(results) {
      for (const result of results) {
        verdicts.inc({ verdict: result.verdict });
        if (result.duplicateOf) duplicates.inc();
        if (result.engine.mode === 'llm') llmCalls.inc({ outcome: 'ok' });
        if (result.engine.mode === 'degraded') llmCalls.inc({ outcome: 'degraded' });
        if (result.engine.tokens) llmTokens.inc(result.engine.tokens);
      }
    },
    observeTriage(mode, alerts, seconds) {
      triageSeconds.observe({ mode }, seconds);
      if (alerts > 0) alertSeconds.observe({ mode }, seconds / alerts);
    },
    countDeadLetters(count) {
      if (count > 0) deadLetters.inc(count);
    },
    countApprovals(count) {
      if (count > 0) approvals.inc(count);
    },
    instrumentRepository(repository) {
      // Wrapped in place: the runtime's closures hold this same object, so its own saves are timed too.
      const target = repository as unknown as Record<string | symbol, unknown>;
      if (target[INSTRUMENTED]) return;
      target[INSTRUMENTED] = true;
      for (const [operation, member] of Object.entries(target)) {
        if (typeof member !== 'function' || operation === 'close') continue;
        const call = member as (...parameters: unknown[]) => Promise<unknown>;
        target[operation] = async (...parameters: unknown[]) => {
          const stop = storeLatency.startTimer({ operation });
          try {
            return await call.apply(repository, parameters);
          } finally {
            stop();
          }
        };
      }
    },
  };
}
