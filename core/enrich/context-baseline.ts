import type { StreamState, SubjectState } from './context-state.js';
import { formatSpan } from './format-span.js';

/** How much baseline a subject and the fleet rest on, and whether it is enough for novelty. */
export interface Baseline {
  subjectMs: number;
  subjectAlerts: number;
  fleetMs: number;
  fleetAlerts: number;
  isMature: boolean;
}

export interface BaselineSettings {
  warmupMs: number;
  baselineMinAlerts: number;
  fleetBaselineMs: number;
}

/**
 * Baseline maturity: novelty and silence mean something only once the subject has been watched
 * `warmupMs` with `baselineMinAlerts` alerts, and the network `fleetBaselineMs`. Every context
 * claim states the baseline it rests on, in these words.
 */
export function createBaselines(settings: BaselineSettings, stream: StreamState) {
  return {
    of(subject: SubjectState | undefined, now: number): Baseline {
      const subjectMs = subject ? Math.max(0, now - subject.firstSeenMs) : 0;
      const subjectAlerts = subject?.alerts ?? 0;
      const fleetMs = stream.startMs === undefined ? 0 : Math.max(0, now - stream.startMs);
      return {
        subjectMs,
        subjectAlerts,
        fleetMs,
        fleetAlerts: stream.alerts,
        isMature: subjectMs >= settings.warmupMs && subjectAlerts >= settings.baselineMinAlerts && fleetMs >= settings.fleetBaselineMs,
      };
    },
    describe(label: string, baseline: Baseline): string {
      return `baseline: ${label} watched ${formatSpan(baseline.subjectMs)} (${baseline.subjectAlerts} alerts), the network ${formatSpan(baseline.fleetMs)} (${baseline.fleetAlerts} alerts)`;
    },
    need(): string {
      return `a baseline needs ${formatSpan(settings.warmupMs)} and ${settings.baselineMinAlerts} alerts on the subject and ${formatSpan(settings.fleetBaselineMs)} of the network`;
    },
  };
}
