import { VerdictError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import type { VerdictRuntime } from './runtime.js';

export interface ConnectorCycle {
  pulled: number;
  triaged: number;
  delivered: number;
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
 * re-pulls (at least once) and the plugin's idempotency key stops a second write.
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
  for (const result of outcome.results) {
    await plugin.deliverResult(plugin.renderResult(result), result);
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
  return { pulled: page.alerts.length, triaged: outcome.results.length, delivered, deadLettered: outcome.failures.length, dispositions };
}
