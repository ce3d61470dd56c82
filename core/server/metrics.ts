import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TriageResult } from '../spec/result.js';
import type { VerdictRepository } from '../store/repository.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const INSTRUMENTED = Symbol.for('verdict.instrumented-repository');

export interface ServerMetrics {
  registry: Registry;
  observeRequest(labels: { method: string; route: string; statusCode: number }, seconds: number): void;
  countResults(results: readonly TriageResult[]): void;
  countDeadLetters(count: number): void;
  countApprovals(count: number): void;
  /** Times every repository call into the store latency histogram. */
  instrumentRepository(repository: VerdictRepository): void;
}

/** Prometheus metrics of one server, in its own registry (several servers can share a process). */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'verdict_' });
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
      }
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
