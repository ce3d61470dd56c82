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

/**
 * Reads a YAML or JSON config file (or the defaults when none is given) and validates it strictly.
 * Errors name the file, the field and the fix; they never echo values, which may be secrets.
 */
export function loadConfig(file: string | undefined, environment: NodeJS.ProcessEnv = process.env): LoadedConfig {
  // An empty VERDICT_HOME would resolve to the current folder and scatter the store there.
  if (environment.VERDICT_HOME !== undefined && environment.VERDICT_HOME.trim() === '') {
    throw new ConfigError('VERDICT_HOME is set but empty: unset it (the default is ./.verdict) or set it to the folder for the store');
  }
  const home = path.resolve(environment.VERDICT_HOME ?? '.verdict');
  if (file === undefined) {
    return { config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home };
  }
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) {
    throw new ConfigError(`config file ${file} does not exist: pass an existing file with --config, or leave it out to use the defaults`);
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
