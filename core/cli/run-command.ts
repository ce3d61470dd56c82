import type { Command } from 'commander';
import { ConfigError, VerdictError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import { runConnectorCycle } from '../runtime/connector.js';
import { createQueueProducer, type QueueProducer } from '../queue/producer.js';
import type { CliDeps } from './triage-command.js';

/** Builds a transport-capable plugin from its `platforms.<id>` config section. */
export type PluginFactory = (config: unknown) => PlatformPluginV1;

/**
 * `verdict run --config FILE`: the long-running connector loop for every platform configured
 * under `platforms`. Retryable platform errors wait and go on; anything else stops with a message.
 */
export function createRunCommand(factories: Readonly<Record<string, PluginFactory>>) {
  return (program: Command, deps: CliDeps): void => {
    program
      .command('run')
      .description('Connector loop: pull new alerts, triage, write verdicts back, read analyst dispositions')
      .requiredOption('-c, --config <file>', 'config file with a platforms section')
      .option('--once', 'run one cycle and exit')
      .option('--platform <id>', 'only this platform')
      .action(async (options: { config: string; once?: boolean; platform?: string }) => {
        const runtime = await deps.openRuntime(options.config);
        const logger = { info: (message: string) => process.stderr.write(`${message}\n`), warn: (message: string) => process.stderr.write(`warning: ${message}\n`) };
        let stopping = false;
        let wakeUp: (() => void) | undefined;
        const stop = (): void => {
          stopping = true;
          wakeUp?.(); // a stop during the wait between polls ends it at once
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        let queue: QueueProducer | undefined;
        try {
          const configured = Object.entries(runtime.loaded.config.platforms).filter(([id]) => !options.platform || id === options.platform);
          if (configured.length === 0) throw new ConfigError(`no platform to run: add a platforms.<id> section to ${options.config} (supported: ${Object.keys(factories).join(', ')})`);
          const plugins = configured.map(([id, section]) => {
            const factory = factories[id];
            if (!factory) throw new ConfigError(`platforms.${id} in ${options.config}: no connector for "${id}"; supported: ${Object.keys(factories).join(', ')}`);
            return factory(section);
          });
          const pollMs = runtime.loaded.config.connector.pollSeconds * 1000;
          // With a queue section, pages go to the tenant's queue and `verdict worker` triages them.
          queue = runtime.loaded.config.queue ? createQueueProducer(runtime.loaded.config.queue) : undefined;
          do {
            for (const plugin of plugins) {
              try {
                const cycle = await runConnectorCycle(runtime, plugin, logger, queue);
                const skipped = cycle.alreadyDelivered > 0 ? ` (${cycle.alreadyDelivered} already written before)` : '';
                logger.info(
                  queue
                    ? `${plugin.platform}: pulled ${cycle.pulled}, enqueued ${cycle.enqueued} for the workers, dispositions ${cycle.dispositions}`
                    : `${plugin.platform}: pulled ${cycle.pulled}, triaged ${cycle.triaged}, wrote back ${cycle.delivered}${skipped}, dead-lettered ${cycle.deadLettered}, dispositions ${cycle.dispositions}`,
                );
              } catch (error) {
                if (!VerdictError.isInstance(error) || !error.isRetryable || options.once) throw error;
                logger.warn(`${plugin.platform}: ${error.message}; retrying next cycle`);
              }
            }
            if (options.once || stopping) break;
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, pollMs);
              wakeUp = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wakeUp = undefined;
          } while (!stopping);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          await queue?.close();
          await runtime.close();
        }
      });
  };
}
