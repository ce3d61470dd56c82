import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * The guard that keeps the eval out of the knowledge: literal text of every knowledge pattern is
 * compared with the eval's titles, rule text and command lines, after normalising case and
 * punctuation, as a substring (not whole-string equality). A literal may coincide with the eval
 * only where a public source (ATT&CK, Atomic Red Team, the public rule names) says the same words,
 * which is what general knowledge looks like; anything else was read off the eval.
 */

/** Lower case, every run of punctuation or space one space. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * The literal runs of a regular expression's source: text between metacharacters, with escapes
 * resolved and an optional last character (`s?`) left off. `\bfirst time user executed sudo\b`
 * gives one run; `(?:new |unusual )` gives two.
 */
export function regexLiterals(source: string): string[] {
  const literals: string[] = [];
  let current = '';
  /** The run began right after a character class: its first word is only part of a word. */
  let partialStart = false;
  const flush = (partialEnd: boolean): void => {
    let run = current;
    // A class (\d, \w, [..], .) glued to the run means its edge word continues: keep whole words only.
    if (partialEnd && /[a-z0-9]$/i.test(run)) run = run.slice(0, Math.max(0, run.search(/[^a-z0-9]*[a-z0-9]+$/i)));
    if (partialStart && /^[a-z0-9]/i.test(run)) run = run.replace(/^[a-z0-9]+/i, '');
    if (run.length > 0) literals.push(run);
    current = '';
  };
  /** Whether the class or escape ending before `at` may match nothing (`*`, `?`, `{0,`). */
  const optionalAt = (at: number): boolean => source[at] === '*' || source[at] === '?' || source.startsWith('{0,', at);
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (char === '\\') {
      const next = source[index + 1] ?? '';
      index++;
      if (/[bB]/.test(next)) {
        flush(false);
        partialStart = false;
        continue;
      }
      if (/[sSnrtfv]/.test(next)) {
        current += ' ';
        continue;
      }
      if (/[dDwW0-9]/.test(next) || next === 'u' || next === 'x') {
        if (next === 'u') index += 4;
        if (next === 'x') index += 2;
        const optional = optionalAt(index + 1) || next === 'W';
        flush(!optional);
        partialStart = !optional;
        continue;
      }
      current += next;
      continue;
    }
    if (char === '[' || char === '.') {
      const start = index;
      if (char === '[') for (index++; index < source.length && source[index] !== ']'; index++) if (source[index] === '\\') index++;
      // A class of punctuation only (`[-/]`, `["']`) ends words; one that can match a letter or digit continues them.
      const matchesWordCharacters = char === '.' || /^\[\^|[a-z0-9]|\\[wWdDsS]/i.test(source.slice(start, index + 1));
      const optional = optionalAt(index + 1) || !matchesWordCharacters;
      flush(!optional);
      partialStart = !optional;
      continue;
    }
    if (char === '(') {
      flush(false);
      partialStart = false;
      const group = /^\((?:\?:|\?=|\?!|\?<=|\?<!|\?<[a-z]\w*>)?/i.exec(source.slice(index));
      index += (group?.[0].length ?? 1) - 1;
      continue;
    }
    if (char === '?' || char === '*' || (char === '{' && /^\{0,/.test(source.slice(index)))) {
      if (char === '{') index = source.indexOf('}', index);
      if (source[index - 1] === ')' || current.length === 0) {
        partialStart = false;
        continue;
      }
      // The character before an optional quantifier is optional: leave it off the run.
      const dropped = current.slice(-1);
      current = current.slice(0, -1);
      flush(/[a-z0-9]/i.test(dropped));
      partialStart = /[a-z0-9]/i.test(dropped);
      continue;
    }
    if (')|^$+{}'.includes(char)) {
      flush(false);
      partialStart = false;
      if (char === '{') index = Math.max(index, source.indexOf('}', index));
      continue;
    }
    current += char;
  }
  flush(false);
  return literals.map(normalizeText).filter((literal) => literal.length > 0);
}

/** The eval text the guard compares against, by kind. */
export interface EvalText {
  titles: string[];
  ruleTexts: string[];
  commandLines: string[];
}

/** Titles (AIT alert names, Sigma rule titles), Sigma rule files and event command lines of an eval folder. */
export function readEvalText(evalDirectory: string): EvalText {
  const titles = new Set<string>();
  const ruleTexts: string[] = [];
  const commandLines = new Set<string>();
  const aitDirectory = path.join(evalDirectory, 'ait');
  for (const file of safeList(aitDirectory).filter((name) => name.endsWith('.csv.gz'))) {
    const text = gunzipSync(readFileSync(path.join(aitDirectory, file))).toString('utf8');
    for (const line of text.split('\n').slice(1)) {
      const name = line.split(',')[1];
      if (name) titles.add(name);
    }
  }
  const sigmaDirectory = path.join(evalDirectory, 'sigma');
  for (const entry of safeList(sigmaDirectory)) {
    const folder = path.join(sigmaDirectory, entry);
    const files = safeList(folder);
    if (!files.includes('rule.yml')) continue;
    const rule = readFileSync(path.join(folder, 'rule.yml'), 'utf8');
    ruleTexts.push(rule);
    const title = /^title:\s*(.+)$/m.exec(rule)?.[1];
    if (title) titles.add(title.trim());
    for (const file of files.filter((name) => name.endsWith('.json') || name.endsWith('.raw'))) {
      const text = readFileSync(path.join(folder, file), 'utf8');
      for (const match of text.matchAll(/"(?:CommandLine|ParentCommandLine)"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) commandLines.add(JSON.parse(`"${match[1]}"`) as string);
      if (file.endsWith('.raw')) for (const line of text.split('\n')) if (line.trim()) commandLines.add(line);
    }
  }
  return { titles: [...titles], ruleTexts, commandLines: [...commandLines] };
}

/** Normalised text of the public sources knowledge may come from: a literal found here is general. */
export function readPublicText(dataDirectory: string): string {
  const parts: string[] = [];
  const atomics = path.join(dataDirectory, 'atomic-red-team', 'atomics');
  for (const file of safeList(atomics).sort()) parts.push(readFileSync(path.join(atomics, file), 'utf8'));
  parts.push(readFileSync(path.join(dataDirectory, 'attack', 'enterprise-techniques.json'), 'utf8'));
  for (const file of safeList(path.join(dataDirectory, 'rule-names'))) if (file.endsWith('.jsonl')) parts.push(readFileSync(path.join(dataDirectory, 'rule-names', file), 'utf8'));
  return ` ${normalizeText(parts.join('\n'))} `;
}

export interface KnowledgePattern {
  /** Where the row lives (`taxonomy:web-attack`, `command:certutil-download`). */
  id: string;
  source: string;
  /** Title patterns are compared with titles; the rest with rule text and command lines. */
  reads: 'title' | 'event';
}

export interface GuardHit {
  id: string;
  literal: string;
  where: 'title' | 'rule text' | 'command line';
  example: string;
}

/**
 * Literals of each pattern that occur in eval text but nowhere in the public sources. Title
 * patterns: runs of two words or more against titles. Event patterns: runs of three characters or
 * more against event command lines, and distinctive runs (three words, or sixteen letters and
 * digits) against rule text, whose ordinary security vocabulary (perflogs, .vbe) is shared with
 * every rule set. `exemptions` are general facts with their public reference, each reviewed.
 */
export function guardHits(patterns: readonly KnowledgePattern[], evalText: EvalText, publicText: string, exemptions: ReadonlyMap<string, string> = new Map()): GuardHit[] {
  const pad = (text: string): string => ` ${normalizeText(text)} `;
  const titles = evalText.titles.map((raw) => ({ raw, text: pad(raw) }));
  const commandLines = evalText.commandLines.map((raw) => ({ raw, text: pad(raw) }));
  const ruleTexts = evalText.ruleTexts.map((raw) => ({ raw, text: pad(raw) }));
  const hits: GuardHit[] = [];
  for (const pattern of patterns) {
    for (const literal of new Set(regexLiterals(pattern.source))) {
      const padded = ` ${literal} `;
      if (exemptions.has(literal) || publicText.includes(padded)) continue;
      const words = literal.split(' ').length;
      const letters = literal.replaceAll(' ', '').length;
      if (pattern.reads === 'title') {
        const found = words >= 2 ? titles.find((title) => title.text.includes(padded)) : undefined;
        if (found) hits.push({ id: pattern.id, literal, where: 'title', example: found.raw });
        continue;
      }
      const inCommand = letters >= 3 ? commandLines.find((line) => line.text.includes(padded)) : undefined;
      if (inCommand) {
        hits.push({ id: pattern.id, literal, where: 'command line', example: inCommand.raw.slice(0, 160) });
        continue;
      }
      const inRule = words >= 3 || letters >= 16 ? ruleTexts.find((rule) => rule.text.includes(padded)) : undefined;
      if (inRule) hits.push({ id: pattern.id, literal, where: 'rule text', example: /^title:\s*(.+)$/m.exec(inRule.raw)?.[1] ?? '' });
    }
  }
  return hits;
}

function safeList(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}
