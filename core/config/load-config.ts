import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../spec/errors.js';
import { MAX_JSON_DEPTH } from '../spec/json-depth.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import { TenantIdSchema, VerdictConfigSchema, type VerdictConfig } from './config-schema.js';

export interface LoadedConfig {
  config: VerdictConfig;
  /** Folder relative paths in the config resolve against (the config file's folder, or cwd). */
  baseDir: string;
  /** The file it came from, or undefined for built-in defaults. */
  file: string | undefined;
  /** Folder for the SQLite store and other state. */
  home: string;
  /** Whose alerts this process triages (VERDICT_TENANT or --tenant); each tenant has its own store. Default `default`. */
  tenant?: string;
}

/** Looked for in VERDICT_HOME, in this order, when neither --config nor VERDICT_CONFIG names a file. */
export const HOME_CONFIG_FILES = ['verdict.config.yaml', 'verdict.config.yml', 'verdict.config.json'] as const;

/**
 * Reads a YAML or JSON config file (or the defaults when none is found) and validates it strictly.
 * The file is `--config`, else VERDICT_CONFIG, else the first of HOME_CONFIG_FILES in VERDICT_HOME,
 * so the flag need not be repeated on every command. Errors name the file, the field and the fix;
 * they never echo values, which may be secrets.
 */
export function loadConfig(given: string | undefined, environment: NodeJS.ProcessEnv = process.env): LoadedConfig {
  // An empty VERDICT_HOME would resolve to the current folder and scatter the store there.
  if (environment.VERDICT_HOME !== undefined && environment.VERDICT_HOME.trim() === '') {
    throw new ConfigError('VERDICT_HOME is set but empty: unset it (the default is ./.verdict) or set it to the folder for the store');
  }
  const home = path.resolve(environment.VERDICT_HOME ?? '.verdict');
  const fromEnvironment = environment.VERDICT_CONFIG?.trim() ? environment.VERDICT_CONFIG : undefined;
  const file = given ?? fromEnvironment ?? HOME_CONFIG_FILES.map((name) => path.join(home, name)).find((candidate) => existsSync(candidate));
  if (file === undefined) {
    return { config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home, tenant: tenantOf(environment) };
  }
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) {
    const source = given !== undefined ? '--config' : 'VERDICT_CONFIG';
    throw new ConfigError(`config file ${file} (from ${source}) does not exist: name an existing file with ${source}, or leave it out to use the defaults`);
  }
  let document: unknown;
  // A config nested thousands deep overflows the stack of the YAML parser or of the walks after
  // parsing (JSON.parse itself does not recurse): checked on the parsed document.
  const tooDeep = `config file ${file} nests deeper than ${MAX_JSON_DEPTH} levels (the limit): a Verdict config needs a few; check the file`;
  try {
    const text = readFileSync(absolute, 'utf8');
    document = absolute.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // The YAML parser reports its own stack overflow as a parse error at the line it reached.
    if (error instanceof RangeError || /Maximum call stack size exceeded/.test((error as Error).message)) throw new ConfigError(tooDeep, { cause: error });
    throw new ConfigError(`config file ${file} is not valid ${absolute.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (isDeeperThan(document, MAX_JSON_DEPTH)) throw new ConfigError(tooDeep);
  const parsed = VerdictConfigSchema.safeParse(expandEnvironment(document ?? {}, environment, file));
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error)
      .map((issue) => `  ${issue.path || '(top level)'}: ${issue.message}`)
      .join('\n');
    throw new ConfigError(`config file ${file} has invalid settings:\n${issues}\nFix these fields (see examples/verdict.config.yaml for every setting and its default).`);
  }
  return { config: parsed.data, baseDir: path.dirname(absolute), file: absolute, home, tenant: tenantOf(environment) };
}

/** The same config for another tenant (its own store). */
export function forTenant(loaded: LoadedConfig, tenant: string): LoadedConfig {
  const checked = TenantIdSchema.safeParse(tenant);
  if (!checked.success) throw new ConfigError(`tenant ${JSON.stringify(tenant.slice(0, 60))} is not a valid tenant id: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  return { ...loaded, tenant };
}

function tenantOf(environment: NodeJS.ProcessEnv): string {
  const value = environment.VERDICT_TENANT?.trim();
  if (!value) return 'default';
  const checked = TenantIdSchema.safeParse(value);
  if (!checked.success) throw new ConfigError(`VERDICT_TENANT is not a valid tenant id: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  return value;
}

/** Settings that hold secrets may be written `${NAME}`: read from the environment, never from the file. */
const SECRET_PATHS: ReadonlyArray<readonly string[]> = [
  ['store', 'url'],
  ['queue', 'redis'],
];

function expandEnvironment(document: unknown, environment: NodeJS.ProcessEnv, file: string): unknown {
  if (document === null || typeof document !== 'object') return document;
  const copy = structuredClone(document) as Record<string, unknown>;
  for (const [section, key] of SECRET_PATHS) {
    const holder = copy[section!] as Record<string, unknown> | undefined;
    const value = holder?.[key!];
    if (typeof value !== 'string') continue;
    const reference = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim());
    if (!reference) continue;
    const found = environment[reference[1]!];
    if (found === undefined || found === '') {
      throw new ConfigError(`config file ${file}: ${section}.${key} reads the environment variable ${reference[1]}, which is not set: set it (or write the value in the file)`);
    }
    holder![key!] = found;
  }
  return copy;
}

/** Whether a parsed document nests deeper than `limit` objects/arrays (walked without recursion). */
function isDeeperThan(document: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[document, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}
