import { deliveryKey } from '../spec/delivery-key.js';
import { VerdictError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import type { TriageResult } from '../spec/result.js';
import type { VerdictRepository } from '../store/repository.js';
import type { QueueProducer } from '../queue/producer.js';
import type { VerdictRuntime } from './runtime.js';

export interface ConnectorCycle {
  pulled: number;
  triaged: number;
  delivered: number;
  /** Verdicts the delivery ledger says were written back already (a re-pull after a crash). */
  alreadyDelivered: number;
  deadLettered: number;
  /** Alerts put on the tenant's queue for the workers (scale-out), instead of triaged here. */
  enqueued: number;
  dispositions: number;
}

export interface ConnectorLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * One connector cycle: pull → triage → write back → checkpoint → read dispositions.
 * The pull checkpoint advances only after every verdict of the page is written back, so a crash
 * re-pulls (at least once). Exactly once on top of that: the store's delivery ledger, keyed by
 * deliveryKey(result, target), says 'pending' before the platform call and 'done' after; a done
 * key is never written again, and a pending one (a crash mid-call) is handed back to the plugin,
 * whose deliverResult checks the platform's own state (its marker) before each write.
 */
export async function runConnectorCycle(runtime: VerdictRuntime, plugin: PlatformPluginV1, logger: ConnectorLogger, queue?: QueueProducer): Promise<ConnectorCycle> {
  if (!plugin.pullAlerts || !plugin.deliverResult) {
    throw new VerdictError(`platform ${plugin.platform} cannot pull and write back: use its push integration (POST /v1/triage) instead`);
  }
  const { repository } = runtime;
  const pullKey = `pull:${plugin.platform}`;
  const checkpoint = await repository.getCheckpoint(pullKey);
  const page = await plugin.pullAlerts(checkpoint);
  const source = `connector:${plugin.platform}`;
  let triaged = 0;
  let delivered = 0;
  let alreadyDelivered = 0;
  let deadLettered = 0;
  let enqueued = 0;
  if (queue) {
    // Scale-out: the page goes to the tenant's queue; a worker triages it and writes back. The
    // checkpoint moves only once Redis holds every job.
    await queue.enqueue({ tenant: runtime.loaded.tenant ?? 'default', source, platform: plugin.platform, writeBack: plugin.platform }, page.alerts);
    enqueued = page.alerts.length;
  } else {
    const outcome = await runtime.triageRecords(page.alerts, { platform: plugin.platform, source });
    ({ delivered, alreadyDelivered } = await deliverResults(repository, plugin, outcome.results));
    triaged = outcome.results.length;
    deadLettered = outcome.failures.length;
    for (const failure of outcome.failures) logger.warn(`dead-lettered record ${failure.index} from ${plugin.platform}: ${failure.error.message}`);
  }
  await repository.setCheckpoint(pullKey, page.checkpoint);

  let dispositions = 0;
  if (plugin.readDispositions) {
    const dispositionKey = `dispositions:${plugin.platform}`;
    const lookback = runtime.loaded.config.connector.dispositionLookbackSeconds * 1000;
    const since = (await repository.getCheckpoint(dispositionKey)) ?? new Date(Date.now() - lookback).toISOString();
    let latest = since;
    for (const disposition of await plugin.readDispositions(since)) {
      try {
        await runtime.recordDisposition(disposition, plugin.platform);
        dispositions += 1;
      } catch (error) {
        if (!VerdictError.isInstance(error)) throw error;
        logger.warn(`disposition for ${disposition.alertId ?? disposition.fingerprint} not applied: ${error.message}`);
      }
      if (disposition.time > latest) latest = disposition.time;
    }
    // Next read starts just after the newest disposition seen (dispositions are deduplicated on store).
    await repository.setCheckpoint(dispositionKey, latest);
  }
  return { pulled: page.alerts.length, triaged, enqueued, delivered, alreadyDelivered, deadLettered, dispositions };
}

/** How a worker writes back alongside others (the connector, alone, needs none of it). */
export interface DeliveryOptions {
  /** Waits for the platform's shared write-back quota before each call. */
  beforeCall?: () => Promise<void>;
  /** This process's claim on the attempts it begins (unique per worker process). */
  claim?: string;
  /**
   * A pending write-back claimed by another process less than this long ago is theirs: wait for
   * it to be done (then skip it) or to lapse (they died; then take it over).
   */
  leaseSeconds?: number;
  sleep?: (milliseconds: number) => Promise<void>;
}

/**
 * Writes verdicts back to a platform exactly once: the ledger key is recorded ('pending') before
 * the platform call and marked 'done' after it; a done key is skipped, a pending one (a crash
 * mid-call) is handed back to the plugin, which checks the platform's own marker first.
 */
export async function deliverResults(
  repository: VerdictRepository,
  plugin: PlatformPluginV1,
  results: readonly TriageResult[],
  options: DeliveryOptions = {},
): Promise<{ delivered: number; alreadyDelivered: number }> {
  if (!plugin.deliverResult) throw new VerdictError(`platform ${plugin.platform} cannot write back: use its push integration (POST /v1/triage) instead`);
  const sleep = options.sleep ?? ((milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)));
  let delivered = 0;
  let alreadyDelivered = 0;
  const target = writeBackTarget(plugin.platform);
  for (const result of results) {
    const key = deliveryKey(result, target);
    const begin = () =>
      repository.beginDelivery({
        key,
        alertId: result.alertId,
        target,
        at: new Date().toISOString(),
        ...(options.claim !== undefined ? { claim: options.claim } : {}),
        ...(options.leaseSeconds !== undefined ? { leaseSeconds: options.leaseSeconds } : {}),
      });
    let ledger = await begin();
    // Another worker holds it (it lost its job's lock but is still writing): wait it out.
    while (ledger.state === 'pending' && options.claim !== undefined && ledger.claim !== options.claim) {
      await sleep(200);
      ledger = await begin();
    }
    if (ledger.state === 'done') {
      alreadyDelivered += 1;
      continue;
    }
    await options.beforeCall?.();
    await plugin.deliverResult(plugin.renderResult(result), result);
    await repository.completeDelivery(key, new Date().toISOString());
    delivered += 1;
  }
  return { delivered, alreadyDelivered };
}

/** The ledger's target for a platform's whole write-back; plugins may use the same for their marker. */
export function writeBackTarget(platform: string): string {
  return `${platform}:write-back`;
}
