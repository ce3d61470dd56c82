import type { LoadedConfig } from '../config/load-config.js';
import type { Alert } from '../spec/alert.js';
import { DispositionV1Schema, type Disposition } from '../spec/disposition.js';
import { InvalidAlertError, VerdictError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import type { TriageResult } from '../spec/result.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import { MemoryIndex, memoryEntityKeys } from '../enrich/memory.js';
import { createTriageEngine, type TriageEngine } from '../pipeline/engine.js';
import { openStore } from '../store/open-store.js';
import { StateConflictError } from '../store/store-errors.js';
import { isEmptyDelta, type StateDelta } from '../pipeline/triage-state.js';
import type { DeadLetter, StoredDisposition, VerdictRepository } from '../store/repository.js';
import { createEgressLedger } from '../reason/egress-ledger.js';
import { createReasoner, type Reasoner } from '../reason/reasoner.js';
import { recommend } from '../pipeline/recommend.js';
import { buildEnrichers } from './enricher-registry.js';
import { createOrderedBatches, type Judged } from './ordered-batches.js';
import { createNormalizer, type NormalizeOptions, type Normalizer } from './normalize-registry.js';

export interface VerdictRuntime {
  loaded: LoadedConfig;
  engine: TriageEngine;
  /** The optional LLM stage, when the config has a `reason` section. */
  reasoner: Reasoner | undefined;
  repository: VerdictRepository;
  normalizer: Normalizer;
  /** Normalize, triage and store a batch; bad records go to dead letters and the batch goes on. */
  triageRecords(records: readonly unknown[], options: BatchOptions): Promise<BatchOutcome>;
  /** Validate, match to its verdict, store, and teach memory. */
  recordDisposition(input: unknown, source: string): Promise<StoredDisposition>;
  /** How often memory and state were reloaded from the store because another process wrote (a worker taking over a tenant). */
  stateReloads(): number;
  /** Reload suppressions after they change. */
  reloadSuppressions(): Promise<void>;
  close(): Promise<void>;
}

export type BatchOptions = NormalizeOptions & {
  source: string;
  /** Judge alerts that already have a stored verdict again (default: return the stored verdict). */
  retriage?: boolean;
};

export interface BatchOutcome {
  results: TriageResult[];
  /** Index in the batch and why it failed, for every record that did not become a verdict. */
  failures: Array<{ index: number; error: VerdictError; deadLetter: DeadLetter }>;
}

/** A batch's alerts once normalized (with their place in the batch), and the records that failed. */
type NormalizedBatch = { alerts: Array<{ index: number; alert: Alert }>; failures: BatchOutcome['failures']; options: BatchOptions };

export interface RuntimeOptions {
  plugins?: readonly PlatformPluginV1[];
  repository?: VerdictRepository;
  /** fetch for model calls (workers pass one that waits for the fleet's shared LLM rate limit). */
  modelFetch?: typeof globalThis.fetch;
}

/** Everything a command or the server needs: config → store → memory → enrichers → engine. */
export async function createRuntime(loaded: LoadedConfig, options: RuntimeOptions = {}): Promise<VerdictRuntime> {
  const { config } = loaded;
  const repository = options.repository ?? (await openStore(config.store, loaded.home, loaded.baseDir, loaded.tenant));
  const memory = new MemoryIndex(config.memory.halfLifeDays);
  const { enrichers, suppression } = buildEnrichers({ config, baseDir: loaded.baseDir, memory });
  const engine = createTriageEngine({ config, enrichers, memory });
  /** Loads memory, suppressions and the stream state from the store; returns the state version they equal. */
  async function reload(): Promise<number> {
    const version = await repository.stateVersion();
    memory.clear();
    for (const disposition of await repository.listDispositions()) {
      memory.learn({
        ruleName: disposition.ruleName,
        entityKeys: disposition.entityKeys,
        verdict: disposition.verdict,
        timeMs: Date.parse(disposition.time),
        ...(disposition.alertId ? { alertId: disposition.alertId } : {}),
      });
    }
    suppression.replace(await repository.listSuppressions());
    // The stream state (context window, duplicate cache, open second, calibration) continues from the store.
    const stateRows = await repository.loadState();
    engine.state.load(stateRows, await repository.getResults(engine.state.referencedAlertIds(stateRows)));
    // A write that landed while these were read leaves the store's version ahead: the next batch reloads again.
    return version;
  }
  // Every byte sent to a model is written to the audit log (action llm.egress) before a batch returns.
  const pendingEgress: Array<Promise<void>> = [];
  const ledger = createEgressLedger({
    onRecord: (entry) => {
      pendingEgress.push(repository.appendAudit({ time: entry.time, actor: 'verdict', action: 'llm.egress', target: entry.alertId, detail: JSON.stringify(entry) }));
    },
  });
  const reasoner = config.reason ? createReasoner(config.reason, { thresholds: config.decide.thresholds, ledger, ...(options.modelFetch ? { fetch: options.modelFetch } : {}) }) : undefined;
  /**
   * When the model moved the verdict, policy proposes the response again, as for any verdict:
   * the model never chooses actions, but the actions must fit the verdict it helped reach.
   */
  const withPolicyActions = (alert: Alert, result: TriageResult, offline: TriageResult): TriageResult =>
    result.verdict === offline.verdict ? result : { ...result, recommendedActions: recommend(alert, result.verdict, result.confidence, result.evidence, config.policy) };
  const normalizer = createNormalizer(options.plugins ?? [], { maxEntitiesPerAlert: config.limits.maxEntitiesPerAlert });
  /**
   * Batches, dispositions and suppression changes run in the order they came. Before each that
   * starts with no write in flight, the state version memory equals is checked against the store
   * (another process, a worker or a second CLI run, may have written): a difference reloads
   * everything. While a write is in flight, such a write shows as a conflict of the next one. A
   * write refused because another process wrote first reloads and judges again, up to 5 times.
   */
  const ordered = createOrderedBatches<NormalizedBatch, BatchOutcome, ReadonlyMap<string, TriageResult>>(
    {
      storeVersion: () => repository.stateVersion(),
      reload,
      judge: judgeBatch,
      isConflict: (error) => StateConflictError.isInstance(error),
      maxAttempts: 5,
    },
    await reload(),
  );

  function triageRecords(records: readonly unknown[], batchOptions: BatchOptions): Promise<BatchOutcome> {
    // Normalizing needs no state: it runs while the batches before are judged or committed.
    const normalized = normalizeBatch(records, batchOptions).then((batch) => ({ ...batch, options: batchOptions }));
    normalized.catch(() => undefined); // awaited in turn, where a failure fails this batch
    return ordered.submit(() => normalized);
  }

  /** Normalizes every record; one that fails goes to the dead letters (with why) and the batch goes on. */
  async function normalizeBatch(records: readonly unknown[], batchOptions: BatchOptions): Promise<{ alerts: Array<{ index: number; alert: Alert }>; failures: BatchOutcome['failures'] }> {
    const alerts: Array<{ index: number; alert: Alert }> = [];
    const failures: BatchOutcome['failures'] = [];
    for (let index = 0; index < records.length; index += 1) {
      let alert: Alert;
      try {
        alert = normalizer.normalize(records[index], batchOptions);
      } catch (error) {
        const verdictError = VerdictError.isInstance(error) ? error : new InvalidAlertError([{ path: '', message: (error as Error).message }]);
        const deadLetter: DeadLetter = {
          source: batchOptions.source,
          reason: verdictError.message,
          issues: verdictError instanceof InvalidAlertError ? verdictError.issues : [],
          record: safeStringify(records[index]),
          createdAt: new Date().toISOString(),
        };
        await repository.addDeadLetter(deadLetter);
        failures.push({ index, error: verdictError, deadLetter });
        continue;
      }
      alerts.push({ index, alert });
    }
    return { alerts, failures };
  }

  /**
   * Judges a batch on memory at `baseVersion` and returns the write of its verdicts and state
   * delta. `ahead` holds the verdicts of the batch whose write is still in flight.
   */
  async function judgeBatch(batch: NormalizedBatch, baseVersion: number, ahead: ReadonlyMap<string, TriageResult> | undefined): Promise<Judged<BatchOutcome, ReadonlyMap<string, TriageResult>>> {
    const { alerts, failures, options: batchOptions } = batch;
    /** Stored verdicts of these ids, and those of the batch ahead not stored yet. */
    const lookup = async (ids: string[]): Promise<Map<string, TriageResult>> => {
      if (ahead === undefined || ahead.size === 0) return repository.getResults(ids);
      const found = await repository.getResults(ids.filter((id) => !ahead.has(id)));
      for (const id of ids) {
        const result = ahead.get(id);
        if (result) found.set(id, result);
      }
      return found;
    };
    const results: TriageResult[] = [];
    const stored: Array<{ result: TriageResult; entityKeys: string[] }> = [];
    // An alert already triaged (a re-pull, a retried request) keeps its stored verdict and revision:
    // triaging it again would count it twice in the stream state.
    // With `retriage`, it is judged again against the current state and memory (without being
    // counted again), and its revision goes up only when the verdict changes.
    // Alerts are judged in canonical order (by second, then content), so a feed that shuffles alerts
    // within a second gets the same verdicts; results are returned in the order received.
    const known = await lookup(alerts.map(({ alert }) => alert.id));
    const firstOfId = new Map<string, { index: number; alert: Alert }>();
    for (const entry of alerts) if (!firstOfId.has(entry.alert.id)) firstOfId.set(entry.alert.id, entry);
    const fresh = [...firstOfId.values()].filter(({ alert }) => !known.has(alert.id));
    const again = batchOptions.retriage ? [...firstOfId.values()].filter(({ alert }) => known.has(alert.id)) : [];
    const offline = new Map<string, TriageResult>();
    engine.triageBatch(fresh.map(({ alert }) => alert)).forEach((result, position) => offline.set(fresh[position]!.alert.id, result));
    // A duplicate's stored verdict carries no evidence of its own: its original's context applies.
    const originals = await lookup(again.map(({ alert }) => known.get(alert.id)!.duplicateOf).filter((id): id is string => id !== undefined));
    for (const { alert } of again) {
      const stored = known.get(alert.id)!;
      offline.set(alert.id, engine.triage(alert, { observe: false, previous: (stored.duplicateOf ? originals.get(stored.duplicateOf) : undefined) ?? stored }));
    }
    const decidedById = new Map<string, TriageResult>();
    for (const { alert } of [...fresh, ...again]) {
      const offlineResult = offline.get(alert.id)!;
      const earlier = known.get(alert.id);
      // The model sees only what routing sends it and never fails a batch: an outage is `degraded`.
      const decided = reasoner ? withPolicyActions(alert, await reasoner.reason({ alert, result: offlineResult }), offlineResult) : offlineResult;
      const revision = earlier ? (earlier.revision ?? 1) + (earlier.verdict === decided.verdict ? 0 : 1) : 1;
      const result: TriageResult = { ...decided, revision };
      decidedById.set(alert.id, result);
      stored.push({ result, entityKeys: alert.entities.filter((entity) => entity.kind !== 'process').map((entity) => `${entity.kind}:${entity.value}`) });
    }
    const byIndex = new Map<number, TriageResult>();
    for (const { index, alert } of alerts) byIndex.set(index, decidedById.get(alert.id) ?? known.get(alert.id)!);
    for (const { index } of alerts) results.push(byIndex.get(index)!);
    // The state this batch produced, written with its verdicts against the version it was judged on.
    const delta: StateDelta = { ...engine.state.drain(), baseVersion };
    const egress = pendingEgress.splice(0);
    const changesVersion = stored.length > 0 || !isEmptyDelta(delta);
    return {
      result: { results, failures },
      uncommitted: decidedById,
      changesVersion,
      write: async (after) => {
        if (changesVersion) await repository.saveResults(stored, delta, after ? { after } : undefined);
        await Promise.all(egress);
      },
    };
  }

  async function recordDisposition(input: unknown, source: string): Promise<StoredDisposition> {
    const parsed = DispositionV1Schema.safeParse(input);
    if (!parsed.success) throw new InvalidAlertError(toFieldIssues(parsed.error));
    const disposition: Disposition = parsed.data;
    let ruleName = disposition.ruleName;
    let entityKeys = disposition.entities?.map((entity) => `${entity.kind}:${entity.value.toLowerCase()}`);
    let alertId = disposition.alertId;
    if (ruleName === undefined || entityKeys === undefined) {
      const match = disposition.alertId
        ? await repository.getResult(disposition.alertId).then(async (result) => (result ? { result, entityKeys: await repository.getEntityKeys(result.alertId) } : undefined))
        : await repository.getResultByFingerprint(disposition.fingerprint!);
      if (!match) {
        throw new InvalidAlertError([
          {
            path: disposition.alertId ? 'alertId' : 'fingerprint',
            message: `no stored verdict has this ${disposition.alertId ? 'alert id' : 'fingerprint'}: triage the alert first, or give ruleName and entities`,
          },
        ]);
      }
      ruleName ??= match.result.ruleName;
      entityKeys ??= match.entityKeys;
      alertId ??= match.result.alertId;
    }
    const keys = memoryEntityKeys(entityKeys.map((key) => ({ kind: key.slice(0, key.indexOf(':')), value: key.slice(key.indexOf(':') + 1) })));
    const stored: StoredDisposition = {
      alertId,
      fingerprint: disposition.fingerprint,
      ruleName,
      entityKeys: keys,
      verdict: disposition.verdict,
      analyst: disposition.analyst,
      time: disposition.time,
      note: disposition.note,
      platform: disposition.platform ?? source,
    };
    // The alert's uncalibrated score, when its verdict is stored, refines the calibration map.
    const rawProbability = alertId ? (await repository.getResult(alertId))?.engine.calibration?.rawProbability : undefined;
    await ordered.exclusive(async (baseVersion) => {
      engine.learn({
        ruleName,
        entityKeys: keys,
        verdict: disposition.verdict,
        timeMs: Date.parse(disposition.time),
        ...(alertId ? { alertId } : {}),
        ...(rawProbability !== undefined ? { rawProbability } : {}),
      });
      await repository.saveDisposition(stored, { ...engine.state.drain(), baseVersion });
      return { wrote: true };
    });
    return stored;
  }

  return {
    loaded,
    engine,
    reasoner,
    repository,
    normalizer,
    triageRecords,
    recordDisposition,
    stateReloads: () => ordered.reloads(),
    async reloadSuppressions() {
      // Adding or removing one bumped the state version: the next batch reloads them (and the rest) from the store.
      await ordered.invalidate();
    },
    async close() {
      await repository.close();
    },
  };
}

function safeStringify(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
