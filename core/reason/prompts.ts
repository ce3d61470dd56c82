import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../spec/errors.js';

/**
 * Versioned prompts are files (`prompts/<version>.md`) so a prompt change is a reviewed diff and
 * every result names the version it was produced with. Bundled builds copy `prompts/` next to the
 * bundle, or pass `directory`.
 */
export interface TriagePrompt {
  version: string;
  system: string;
}

export const DEFAULT_PROMPT_DIRECTORY = fileURLToPath(new URL('./prompts/', import.meta.url));

const cache = new Map<string, TriagePrompt>();

export function loadPrompt(version: string, directory: string = DEFAULT_PROMPT_DIRECTORY): TriagePrompt {
  const key = `${directory}\u0000${version}`;
  const cached = cache.get(key);
  if (cached) return cached;
  if (!/^[a-z0-9-]+$/.test(version)) {
    throw new ConfigError(`reason.promptVersion: "${version}" is not a prompt file name; use e.g. triage-v1`);
  }
  let system: string;
  try {
    system = readFileSync(`${directory.replace(/\/$/, '')}/${version}.md`, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`reason.promptVersion: no prompt ${version}.md in ${directory}; available: ${listPromptVersions(directory).join(', ') || 'none'}`, { cause: error });
  }
  const prompt = { version, system };
  cache.set(key, prompt);
  return prompt;
}

export function listPromptVersions(directory: string = DEFAULT_PROMPT_DIRECTORY): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith('.md'))
      .map((name) => name.slice(0, -3))
      .sort();
  } catch {
    // A missing directory lists nothing; the caller's error names the directory.
    return [];
  }
}
