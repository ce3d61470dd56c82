import { createServer as createHttpServer } from 'node:http';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { TenantIdSchema } from '../config/config-schema.js';
import { createQueueProducer } from '../queue/producer.js';
import { startQueueWorker, type WriteBackFactory } from '../queue/worker.js';
import { createNormalizer } from '../runtime/normalize-registry.js';
import { createServerLogger } from '../server/logging.js';
import { ConfigError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import { printList } from './print-list.js';
import { detectFormat, readRecords } from './read-records.js';
import { EXIT_DEAD_LETTERED } from './triage-command.js';

/**
 * Scale-out commands: `verdict worker` (consume the tenants' queues), `verdict enqueue` (put a
 * file's alerts on a tenant's queue) and `verdict queue status`.
 */
export function createQueueCommands(options: { plugins: readonly PlatformPluginV1[]; writeBack: Readonly<Record<string, WriteBackFactory>> }) {
  return (program: Command): void => {
    program
      .command('worker')
      .description('Scale-out worker: triage the jobs on the tenants’ queues (BullMQ on Redis), write verdicts back, until SIGTERM')
      .option('-c, --config <file>', 'config file with a queue section')
      .option('--tenant <ids>', 'comma-separated tenants to serve (default: queue.tenants, else every tenant with work)')
      .option('--metrics-port <port>', 'serve /metrics (Prometheus) and /healthz on this port (127.0.0.1 unless --metrics-host)')
      .option('--metrics-host <host>', 'address for the metrics endpoint', '127.0.0.1')
      .action(async (flags: { config?: string; tenant?: string; metricsPort?: string; metricsHost: string }) => {
        const loaded = loadConfig(flags.config);
        const tenants = flags.tenant ? flags.tenant.split(',').map((tenant) => parseTenant(tenant.trim(), '--tenant')) : undefined;
        const logger = createServerLogger(process.env.VERDICT_LOG_LEVEL ?? 'info');
        const worker = await startQueueWorker({ loaded, plugins: options.plugins, writeBack: options.writeBack, logger, ...(tenants ? { tenants } : {}) });
        const metricsServer =
          flags.metricsPort === undefined
            ? undefined
            : createHttpServer((request, response) => {
                if (request.url === '/healthz') {
                  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', tenants: worker.tenants() }));
                  return;
                }
                if (request.url !== '/metrics') {
                  response.writeHead(404).end();
                  return;
                }
                worker.metrics.metrics().then(
                  (text) => response.writeHead(200, { 'content-type': worker.metrics.contentType }).end(text),
                  (error: Error) => response.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${error.message}\n`),
                );
              });
        if (metricsServer) {
          const port = Number.parseInt(flags.metricsPort!, 10);
          if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError('--metrics-port must be a port number (0–65535)');
          await new Promise<void>((resolve) => metricsServer.listen(port, flags.metricsHost, resolve));
          const address = metricsServer.address();
          logger.info(`metrics on http://${flags.metricsHost}:${typeof address === 'object' && address ? address.port : port}/metrics`);
        }
        logger.info({ 'verdict.tenants': worker.tenants() }, 'worker started');
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        logger.info('stopping: finishing in-flight jobs');
        await worker.close();
        metricsServer?.close();
        logger.info('worker stopped');
      });

    program
      .command('enqueue')
      .description('Put alerts from a JSONL, JSON or CSV file (or - for stdin) on a tenant’s queue for the workers')
      .argument('[file]', 'input file, or - for stdin', '-')
      .option('-c, --config <file>', 'config file with a queue section')
      .option('--tenant <id>', 'whose alerts (default: VERDICT_TENANT, else default)')
      .option('-p, --platform <id>', 'platform of the records (splunk, elastic, sentinel, …); default: detect')
      .option('-m, --map <name>', 'field map from the config for generic JSON / CSV records')
      .option('--write-back <platform>', 'have the worker write each verdict back to this platform (its platforms.<id> config)')
      .option('--input-format <format>', 'jsonl, json or csv (default: from the file extension)')
      .action(async (file: string, flags: { config?: string; tenant?: string; platform?: string; map?: string; writeBack?: string; inputFormat?: string }) => {
        const loaded = loadConfig(flags.config);
        const queue = loaded.config.queue;
        if (!queue) throw new ConfigError(`verdict enqueue needs a queue section (queue.redis) in ${loaded.file ?? 'the config'}`);
        const tenant = flags.tenant === undefined ? (loaded.tenant ?? 'default') : parseTenant(flags.tenant, '--tenant');
        const fieldMap = flags.map === undefined ? undefined : loaded.config.fieldMaps[flags.map];
        if (flags.map !== undefined && !fieldMap) throw new ConfigError(`field map "${flags.map}" is not in the config: define fieldMaps.${flags.map}`);
        if (flags.writeBack !== undefined && !Object.hasOwn(options.writeBack, flags.writeBack)) {
          throw new ConfigError(`--write-back ${flags.writeBack}: no connector for it; use one of ${Object.keys(options.writeBack).join(', ')}`);
        }
        const normalizer = createNormalizer(options.plugins, { maxEntitiesPerAlert: loaded.config.limits.maxEntitiesPerAlert });
        const normalizeOptions = { ...(flags.platform ? { platform: flags.platform } : {}), ...(fieldMap ? { fieldMap } : {}) };
        const secondOf = (record: unknown): number | undefined => {
          try {
            return Math.floor(Date.parse(normalizer.normalize(record, normalizeOptions).time) / 1000);
          } catch {
            return undefined;
          }
        };
        const records: unknown[] = [];
        let unreadable = 0;
        for await (const item of readRecords(file, detectFormat(file, flags.inputFormat))) {
          if ('unreadable' in item) {
            unreadable += 1;
            process.stderr.write(`not enqueued: ${item.unreadable}\n`);
            continue;
          }
          records.push(item.record);
        }
        const producer = createQueueProducer(queue);
        try {
          const { jobIds } = await producer.enqueue({ tenant, source: `enqueue:${file}`, platform: flags.platform, map: flags.map, writeBack: flags.writeBack }, records, secondOf);
          process.stderr.write(`enqueued ${records.length} alerts for ${tenant} as ${jobIds.length} jobs\n`);
          process.stdout.write(`${JSON.stringify({ tenant, alerts: records.length, jobs: jobIds })}\n`);
        } finally {
          await producer.close();
        }
        if (unreadable > 0) process.exitCode = EXIT_DEAD_LETTERED;
      });

    program
      .command('queue')
      .description('Queue status (jobs waiting, running, delayed and failed per tenant), or the dead-lettered jobs with why')
      .argument('<action>', 'status or dead-letters')
      .option('--limit <n>', 'dead-letters: at most this many, oldest first', '100')
      .option('-c, --config <file>', 'config file with a queue section')
      .option('--json', 'print JSON')
      .action(async (action: string, flags: { config?: string; json?: boolean; limit: string }) => {
        if (action !== 'status' && action !== 'dead-letters') throw new ConfigError(`verdict queue ${action}: unknown action; use verdict queue status or verdict queue dead-letters`);
        const limit = Number.parseInt(flags.limit, 10);
        if (!Number.isInteger(limit) || limit < 1) throw new ConfigError('--limit must be a positive integer');
        const loaded = loadConfig(flags.config);
        if (!loaded.config.queue) throw new ConfigError(`verdict queue needs a queue section (queue.redis) in ${loaded.file ?? 'the config'}`);
        const producer = createQueueProducer(loaded.config.queue);
        try {
          if (action === 'dead-letters') {
            printList(await producer.deadJobs(limit), {
              json: flags.json,
              none: 'No dead-lettered jobs.',
              header: 'failed at\ttenant\tjob\treason',
              line: (dead) => `${dead.failedAt}\t${dead.tenant}\t${dead.jobId}\t${dead.reason}`,
              // The job's records stay in Redis; the list shows what and why.
              toJson: ({ job: _job, ...dead }) => dead,
            });
            return;
          }
          const depths = await Promise.all((await producer.tenants()).map((tenant) => producer.depth(tenant)));
          printList(depths, {
            json: flags.json,
            none: 'No tenant has enqueued work.',
            header: 'tenant\twaiting\tactive\tdelayed\tfailed\tcompleted',
            line: (depth) => `${depth.tenant}\t${depth.waiting}\t${depth.active}\t${depth.delayed}\t${depth.failed}\t${depth.completed}`,
          });
        } finally {
          await producer.close();
        }
      });
  };
}

function parseTenant(value: string, flag: string): string {
  const parsed = TenantIdSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${flag} ${JSON.stringify(value.slice(0, 60))}: ${parsed.error.issues[0]?.message ?? 'not a tenant id'}`);
  return value;
}
