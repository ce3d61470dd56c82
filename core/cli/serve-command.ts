import type { Command } from 'commander';
import { createServer } from '../server/create-server.js';
import { callbacksFrom, hookSecretsFrom, readTlsFiles } from '../server/server-options.js';
import { ConfigError } from '../spec/errors.js';
import type { CliDeps } from './triage-command.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * `verdict serve`: the triage service every push integration calls. Listens on 127.0.0.1 unless
 * told otherwise; flags override the config's `server:` section. Runs until SIGINT / SIGTERM.
 */
export function registerServeCommand(program: Command, deps: CliDeps): void {
  program
    .command('serve')
    .description('Run the triage service: HTTP API with tokens, approvals, webhooks, /metrics and /openapi.json')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--host <host>', 'address to listen on (default: server.host, 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: server.port, 8477)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (needs --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .action(async (options: { config?: string; host?: string; port?: string; tlsCert?: string; tlsKey?: string }) => {
      const port = options.port === undefined ? undefined : parsePort(options.port);
      const runtime = await deps.openRuntime(options.config);
      const { config, baseDir } = runtime.loaded;
      try {
        // Flag paths are relative to the working directory, config paths to the config file.
        const tls = options.tlsCert || options.tlsKey ? readTlsFiles(options.tlsCert, options.tlsKey, process.cwd()) : readTlsFiles(config.server.tls?.cert, config.server.tls?.key, baseDir);
        const host = options.host ?? config.server.host;
        const server = createServer({ runtime, options: { host, port: port ?? config.server.port, tls, hookSecrets: hookSecretsFrom(process.env), ...callbacksFrom(process.env) } });
        if (!LOOPBACK.has(host) && !tls)
          server.log.warn({ 'server.address': host }, 'listening beyond loopback without TLS: tokens and alerts cross the network in clear; pass --tls-cert and --tls-key');
        if ((await runtime.repository.listTokens()).every((token) => token.revokedAt)) {
          process.stderr.write('No API token exists yet: every request will be refused. Create one with `verdict token create --name NAME --scope triage`.\n');
        }
        const address = await server.listen({ host, port: port ?? config.server.port });
        process.stderr.write(`Verdict is listening on ${address} (OpenAPI at ${address}/openapi.json). Ctrl-C stops it.\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        process.stderr.write('Stopping: finishing requests in flight…\n');
        await server.close();
      } finally {
        await runtime.close();
      }
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65_535) throw new ConfigError(`--port ${value} is not a port: use a number from 0 to 65535`);
  return port;
}
