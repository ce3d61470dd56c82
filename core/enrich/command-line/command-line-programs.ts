import type { CommandRule } from './command-rule.js';
import { COMMAND_RULES, RECON_PROGRAMS } from './command-line-rules.js';
import { fileName, stem } from '../knowledge/windows-paths.js';

/** Every program a rule names, for spotting them in a command line. */
export const KNOWN_PROGRAMS: ReadonlySet<string> = new Set([...COMMAND_RULES.flatMap((rule) => rule.bins ?? []), ...RECON_PROGRAMS, 'powershell', 'pwsh', 'powershell_ise', 'cmd']);

const RULES_BY_PROGRAM = new Map<string, CommandRule[]>();
const FALLBACK_BY_PROGRAM = new Map<string, CommandRule[]>();
const ANY_PROGRAM_RULES: CommandRule[] = [];
for (const rule of COMMAND_RULES) {
  if (rule.bins === undefined) ANY_PROGRAM_RULES.push(rule);
  else
    for (const bin of rule.bins) {
      const index = rule.isFallback ? FALLBACK_BY_PROGRAM : RULES_BY_PROGRAM;
      index.set(bin, [...(index.get(bin) ?? []), rule]);
    }
}

const TOKEN_SPLIT = /[\s\\/"'(),;&|=<>`]+/;
/** Starts of commands inside a command line: `cmd /c X`, `X & Y`, `X | Y`, `conhost --headless X`. */
const COMMAND_POSITION = /(?:^|[&|(]|\/[ck]\s|--headless\s|\bstart\s+(?:"[^"]*"\s+)?)\s*"?([^\s"&|()]+)/gi;

/** Adds the known programs a command line names anywhere (`cmd.exe`, `certutil`) to `into`. */
export function programsIn(text: string, into: Set<string>): void {
  for (const token of text.toLowerCase().split(TOKEN_SPLIT)) {
    if (token.length === 0) continue;
    const name = token.endsWith('.exe') || token.endsWith('.com') ? token.slice(0, -4) : token;
    if (KNOWN_PROGRAMS.has(name)) into.add(name);
  }
}

/** Adds the programs a command line starts (at a command position) to `into`. */
export function launchedIn(text: string, into: Set<string>): void {
  COMMAND_POSITION.lastIndex = 0;
  for (let match = COMMAND_POSITION.exec(text); match !== null; match = COMMAND_POSITION.exec(text)) {
    const name = stem(fileName(match[1] ?? ''));
    if (name.length > 0) into.add(name);
  }
}

/** A rule that matched, with the text it matched ('' for a fallback rule). */
export interface CommandRuleMatch {
  rule: CommandRule;
  fragment: string;
}

/**
 * Runs the command rules over one text: rules for any program, then rules about the programs in
 * it, then fallbacks for launched programs no other rule matched. `seen` keeps one match per rule
 * across texts (a command line and what it decodes to).
 */
export function matchCommandRules(text: string, programs: ReadonlySet<string>, launched: ReadonlySet<string>, seen: Set<string>): CommandRuleMatch[] {
  const matches: CommandRuleMatch[] = [];
  const matchedPrograms: string[] = [];
  const test = (rule: CommandRule): void => {
    if (seen.has(rule.id)) return;
    const match = rule.pattern.exec(text);
    if (match === null) return;
    seen.add(rule.id);
    if (rule.bins !== undefined) matchedPrograms.push(...rule.bins);
    matches.push({ rule, fragment: match[0].trim() });
  };
  for (const rule of ANY_PROGRAM_RULES) test(rule);
  for (const program of programs) {
    const rules = RULES_BY_PROGRAM.get(program);
    if (rules !== undefined) for (const rule of rules) test(rule);
  }
  for (const program of launched) {
    const rules = FALLBACK_BY_PROGRAM.get(program);
    if (rules === undefined || matchedPrograms.includes(program)) continue;
    for (const rule of rules) {
      if (seen.has(rule.id) || !rule.pattern.test(text)) continue;
      seen.add(rule.id);
      matches.push({ rule, fragment: '' });
    }
  }
  return matches;
}
