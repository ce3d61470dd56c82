import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ServerConfigSchema, type ServerConfig } from '../config/server-config.js';
import { ConfigError } from '../spec/errors.js';
import type { ServerOptions } from './server-context.js';

const HOOK_SECRET_PREFIX = 'VERDICT_HOOK_SECRET_';

/** Server options from the config's `server:` section, with defaults for anything left out. */
export function resolveServerOptions(config: ServerConfig = ServerConfigSchema.parse({}), overrides: Partial<ServerOptions> = {}, environment: NodeJS.ProcessEnv = {}): ServerOptions {
  return {
    host: config.host,
    port: config.port,
    tls: undefined,
    bodyLimitBytes: config.bodyLimitBytes,
    maxBatch: config.maxBatch,
    rateLimit: config.rateLimit,
    approvalTtlSeconds: Math.round(config.approvalTtlHours * 3600),
    hookSecrets: hookSecretsFrom(environment),
    hookToleranceSeconds: config.hookToleranceSeconds,
    logLevel: config.logLevel,
    logStream: undefined,
    ...callbacksFrom(environment),
    clock: () => new Date(),
    ...overrides,
  };
}

/** VERDICT_HOOK_SECRET_SPLUNK=… gives platform `splunk` a webhook. */
export function hookSecretsFrom(environment: NodeJS.ProcessEnv): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (name.startsWith(HOOK_SECRET_PREFIX) && value) secrets[name.slice(HOOK_SECRET_PREFIX.length).toLowerCase()] = value;
  }
  return secrets;
}

/** VERDICT_CALLBACK_SECRET signs async-job callbacks; VERDICT_CALLBACK_ORIGINS (comma-separated) lists where they may go. */
export function callbacksFrom(environment: NodeJS.ProcessEnv): Pick<ServerOptions, 'callbackSecret' | 'callbackOrigins'> {
  const origins = (environment.VERDICT_CALLBACK_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
    .map((origin) => {
      try {
        return new URL(origin).origin;
      } catch {
        throw new ConfigError(`VERDICT_CALLBACK_ORIGINS: ${JSON.stringify(origin)} is not an origin: write scheme://host[:port], comma-separated`);
      }
    });
  return { callbackSecret: environment.VERDICT_CALLBACK_SECRET || undefined, callbackOrigins: origins };
}

/** Reads the PEM files; both or neither must be given. */
export function readTlsFiles(cert: string | undefined, key: string | undefined, baseDir: string): ServerOptions['tls'] {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new ConfigError('TLS needs both a certificate and a key: pass --tls-cert and --tls-key (or server.tls.cert and server.tls.key)');
  const read = (file: string, what: string) => {
    try {
      return readFileSync(path.resolve(baseDir, file));
    } catch (error) {
      throw new ConfigError(`cannot read the TLS ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  };
  return { cert: read(cert, 'certificate'), key: read(key, 'key') };
}
