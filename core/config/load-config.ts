import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import { VerdictConfigSchema, type VerdictConfig } from './config-schema.js';

export interface LoadedConfig {
  config: VerdictConfig;
  /** Folder relative paths in the config resolve against (the config file's folder, or cwd). */
  baseDir: string;
  /** The file it came from, or undefined for built-in defaults. */
  file: string | undefined;
  /** Folder for the SQLite store and other state. */
  home: string;
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
    return { config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home };
  }
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) {
    const source = given !== undefined ? '--config' : 'VERDICT_CONFIG';
    throw new ConfigError(`config file ${file} (from ${source}) does not exist: name an existing file with ${source}, or leave it out to use the defaults`);
  }
  let document: unknown;
  try {
    const text = readFileSync(absolute, 'utf8');
    document = absolute.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid ${absolute.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const parsed = VerdictConfigSchema.safeParse(document ?? {});
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error)
      .map((issue) => `  ${issue.path || '(top level)'}: ${issue.message}`)
      .join('\n');
    throw new ConfigError(`config file ${file} has invalid settings:\n${issues}\nFix these fields (see examples/verdict.config.yaml for every setting and its default).`);
  }
  return { config: parsed.data, baseDir: path.dirname(absolute), file: absolute, home };
}
