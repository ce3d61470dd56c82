import { deliveryKey } from '../spec/delivery-key.js';
import { VerdictError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import type { VerdictRuntime } from './runtime.js';

export interface ConnectorCycle {
  pulled: number;
  triaged: number;
  delivered: number;
  /** Verdicts the delivery ledger says were written back already (a re-pull after a crash). */
  alreadyDelivered: number;
  deadLettered: number;
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
export async function runConnectorCycle(runtime: VerdictRuntime, plugin: PlatformPluginV1, logger: ConnectorLogger): Promise<ConnectorCycle> {
  if (!plugin.pullAlerts || !plugin.deliverResult) {
    throw new VerdictError(`platform ${plugin.platform} cannot pull and write back: use its push integration (POST /v1/triage) instead`);
  }
  const { repository } = runtime;
  const pullKey = `pull:${plugin.platform}`;
  const checkpoint = await repository.getCheckpoint(pullKey);
  const page = await plugin.pullAlerts(checkpoint);
  const outcome = await runtime.triageRecords(page.alerts, { platform: plugin.platform, source: `connector:${plugin.platform}` });
  let delivered = 0;
  let alreadyDelivered = 0;
  const target = writeBackTarget(plugin.platform);
  for (const result of outcome.results) {
    const key = deliveryKey(result, target);
    const ledger = await repository.beginDelivery({ key, alertId: result.alertId, target, at: new Date().toISOString() });
    if (ledger.state === 'done') {
      alreadyDelivered += 1;
      continue;
    }
    await plugin.deliverResult(plugin.renderResult(result), result);
    await repository.completeDelivery(key, new Date().toISOString());
    delivered += 1;
  }
  await repository.setCheckpoint(pullKey, page.checkpoint);
  for (const failure of outcome.failures) logger.warn(`dead-lettered record ${failure.index} from ${plugin.platform}: ${failure.error.message}`);

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
  return { pulled: page.alerts.length, triaged: outcome.results.length, delivered, alreadyDelivered, deadLettered: outcome.failures.length, dispositions };
}

/** The ledger's target for a platform's whole write-back; plugins may use the same for their marker. */
export function writeBackTarget(platform: string): string {
  return `${platform}:write-back`;
}
