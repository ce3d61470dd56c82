import type { Disposition } from '../../core/spec/disposition.js';
import { VerdictError } from '../../core/spec/errors.js';
import type { PlatformPluginV1, PullPage, RenderedOutput } from '../../core/spec/plugin.js';
import type { TriageResult } from '../../core/spec/result.js';
import { firstValue, SplunkReviewRowSchema, type SplunkResultRow } from './splunk-alert.js';
import { createSplunkApi, type SplunkApi, type SplunkApiOptions } from './splunk-api.js';
import { parseSplunkConfig, type SplunkConfig } from './splunk-config.js';
import { looksLikeSplunkAlert, normalizeSplunkAlert, parseSplunkTime } from './splunk-normalize.js';
import { renderSplunkResult, VERDICT_MARKER_PREFIX, type SplunkWriteBack } from './splunk-render.js';

export interface SplunkPluginOptions extends SplunkApiOptions {
  /** Clock for the pull window's upper bound (tests). */
  now?: () => number;
  /** A ready transport; by default one is created from the config. */
  api?: SplunkApi;
}

/** Where the next pull starts: the last notable second seen and the ids already pulled in it. */
interface PullCheckpoint {
  second: number;
  ids: string[];
}

const NOTABLE_ID_PATTERN = /@@notable@@/;

/** ES disposition id → the analyst's verdict. 0 unassigned, 5 other, 6 undetermined carry none. */
const ANALYST_VERDICT_BY_DISPOSITION: Record<string, Disposition['verdict']> = {
  'disposition:1': 'true_positive',
  'disposition:2': 'benign_positive',
  'disposition:3': 'false_positive',
  'disposition:4': 'false_positive',
};

/**
 * The Splunk add-on. Without a config it normalizes and renders only (the service's push path:
 * the alert action and `| verdict` send rows, nothing calls Splunk back); with one it also pulls
 * notables, writes verdicts back and reads analyst dispositions.
 */
export function createSplunkPlugin(configInput?: unknown, options: SplunkPluginOptions = {}): PlatformPluginV1 {
  if (configInput === undefined) {
    const renderOptions = { esVersion: 7 as const, closeOnBenign: false, hecSourcetype: 'verdict:result' };
    return {
      specificationVersion: 'v1',
      platform: 'splunk',
      capabilities: { pull: false, deliver: false, dispositions: false, search: false },
      detect: looksLikeSplunkAlert,
      normalizeAlert: normalizeSplunkAlert,
      renderResult: (result: TriageResult): RenderedOutput => renderSplunkResult(result, renderOptions),
    };
  }
  const config: SplunkConfig = parseSplunkConfig(configInput);
  const api = options.api ?? createSplunkApi(config, options);
  const now = options.now ?? Date.now;
  const renderOptions = {
    esVersion: config.esVersion,
    closeOnBenign: config.closeOnBenign,
    hecSourcetype: config.hecSourcetype,
    ...(config.hecIndex ? { hecIndex: config.hecIndex } : {}),
  };

  return {
    specificationVersion: 'v1',
    platform: 'splunk',
    capabilities: { pull: true, deliver: true, dispositions: true, search: false },
    detect: looksLikeSplunkAlert,
    normalizeAlert: normalizeSplunkAlert,
    renderResult: (result: TriageResult): RenderedOutput => renderSplunkResult(result, renderOptions),

    async pullAlerts(checkpoint: string | undefined): Promise<PullPage> {
      const state = parseCheckpoint(checkpoint);
      const earliest = state ? String(state.second) : config.initialEarliest;
      const latest = String(Math.floor(now() / 1000) - config.indexLagSeconds);
      const limit = (state?.ids.length ?? 0) + config.pageSize;
      const rows =
        config.esVersion === 8
          ? (await api.listFindings({ earliest, latest }))
              .filter(isRow)
              .sort((left, right) => (timeOf(left) ?? 0) - (timeOf(right) ?? 0))
              .slice(0, limit)
          : await api.exportSearch(`${config.search} | sort 0 _time event_id | head ${limit}`, { earliestTime: earliest, latestTime: latest });
      const seen = new Set(state?.ids ?? []);
      const fresh = rows.filter((row) => !seen.has(idOf(row) ?? ''));
      return { alerts: fresh, checkpoint: nextCheckpoint(state, fresh, checkpoint) };
    },

    async deliverResult(output: RenderedOutput, result: TriageResult): Promise<void> {
      const payload = output.payload as SplunkWriteBack;
      // The KV row says 'done' only after every write succeeded (a row without the field predates
      // the state and was also written last). 'pending' means an earlier attempt reached HEC.
      const existing = await api.getKvRow(output.idempotencyKey);
      if (existing && existing.delivery_state !== 'pending') return;
      if (NOTABLE_ID_PATTERN.test(result.alertId)) {
        if (payload.notableUpdate) {
          const history = await api.exportSearch(`${config.reviewSearch} | search rule_id="${escapeSearchValue(result.alertId)}"`);
          const alreadyWritten = history.some((row) => firstValue(row, 'comment')?.includes(payload.marker));
          if (!alreadyWritten) await api.updateNotables(payload.notableUpdate);
        }
        if (payload.finding) {
          const { refId, notableTime, update, note } = payload.finding;
          await api.updateInvestigation(refId, notableTime, update);
          const notes = await api.listNotes(refId);
          if (!notes.some((existing) => existing.content.includes(payload.marker))) await api.addNote(refId, note.content);
        }
      }
      if (config.hecUrl) {
        // HEC cannot deduplicate: the pending marker goes first, and after a crash that left it the
        // index is searched for the event's idempotency_key before sending again.
        const isSent = existing !== undefined && (await api.findHecEvent(payload.hecEvent, output.idempotencyKey));
        if (!isSent) {
          if (!existing) await api.saveKvRow({ ...payload.kvRow, delivery_state: 'pending' });
          await api.sendHecEvent(payload.hecEvent);
        }
      }
      await api.saveKvRow({ ...payload.kvRow, delivery_state: 'done' });
    },

    async readDispositions(since: string): Promise<Disposition[]> {
      const sinceMillis = Date.parse(since);
      if (Number.isNaN(sinceMillis)) throw new VerdictError(`readDispositions: since must be an ISO 8601 time, got ${JSON.stringify(since)}`);
      const rows = await api.exportSearch(`${config.reviewSearch} | where time >= ${Math.floor(sinceMillis / 1000)} | sort 0 time`);
      const ownUser = 'username' in config.auth ? config.auth.username : undefined;
      const dispositions: Disposition[] = [];
      for (const row of rows) {
        const parsed = SplunkReviewRowSchema.safeParse(row);
        if (!parsed.success) continue; // A history row without rule_id/time cannot be matched to a verdict.
        const review = parsed.data;
        const verdict = review.disposition ? ANALYST_VERDICT_BY_DISPOSITION[review.disposition] : undefined;
        const seconds = Number(review.time);
        const analyst = review.user ?? review.reviewer ?? review.owner;
        // Verdict's own writes carry the marker (and run as the configured user): never feedback.
        if (!verdict || review.comment?.includes(VERDICT_MARKER_PREFIX) || (ownUser && analyst === ownUser)) continue;
        if (!Number.isFinite(seconds) || seconds * 1000 < sinceMillis) continue;
        dispositions.push({
          alertId: review.rule_id,
          verdict,
          analyst: analyst ?? 'unknown',
          time: new Date(seconds * 1000).toISOString(),
          platform: 'splunk',
          ...(review.comment ? { note: review.comment } : {}),
          ...(review.rule_name ? { ruleName: review.rule_name } : {}),
        });
      }
      return dispositions;
    },
  };
}

function isRow(value: unknown): value is SplunkResultRow {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idOf(row: SplunkResultRow): string | undefined {
  return firstValue(row, 'event_id') ?? firstValue(row, 'finding_id');
}

function timeOf(row: SplunkResultRow): number | undefined {
  return parseSplunkTime(row, firstValue(row, 'finding_id'));
}

function parseCheckpoint(checkpoint: string | undefined): PullCheckpoint | undefined {
  if (checkpoint === undefined || checkpoint === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(checkpoint);
    if (isRow(parsed) && typeof parsed.second === 'number' && Array.isArray(parsed.ids)) {
      return { second: parsed.second, ids: parsed.ids.filter((id): id is string => typeof id === 'string') };
    }
  } catch {
    // Fall through to the error below: an unreadable checkpoint must not silently restart the pull.
  }
  throw new VerdictError('Splunk pull checkpoint is unreadable (expected {"second":…,"ids":[…]}); delete the stored checkpoint to start over');
}

function nextCheckpoint(state: PullCheckpoint | undefined, rows: SplunkResultRow[], previous: string | undefined): string {
  const timed = rows.map((row) => ({ id: idOf(row), second: Math.floor(timeOf(row) ?? Number.NaN) })).filter((item) => Number.isFinite(item.second));
  if (timed.length === 0) return previous ?? '';
  const second = Math.max(...timed.map((item) => item.second));
  const ids = new Set(state && state.second === second ? state.ids : []);
  for (const item of timed) if (item.second === second && item.id) ids.add(item.id);
  return JSON.stringify({ second, ids: [...ids] });
}

function escapeSearchValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
