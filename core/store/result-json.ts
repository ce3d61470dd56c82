import type { TriageResult } from '../spec/result.js';

const resultJsonCache = new WeakMap<TriageResult, string>();

/**
 * A result as JSON; the text is exactly JSON.stringify's (test/store/result-json.test.ts). The store
 * keeps it as the row body and the server sends the same text. An original's JSON is large and
 * costly, so it is computed once per result object and cached (results are never mutated after
 * triage, which is what makes the cache safe). A duplicate's is cheap to write again (its parts
 * are cached), and keeping it alive with the result costs more in garbage collection than writing
 * it twice: measured on the AIT floods, retained duplicate JSON tripled the young-generation GC time.
 */
export function resultJson(result: TriageResult): string {
  if (result.duplicateOf !== undefined) return duplicateJson(result);
  let json = resultJsonCache.get(result);
  if (json === undefined) {
    json = JSON.stringify(result);
    resultJsonCache.set(result, json);
  }
  return json;
}

/**
 * Most of a flood is duplicates, and a duplicate shares most of its parts, by reference, with its
 * original's other duplicates (the engine builds them once per original): ATT&CK list, actions,
 * engine, evidence, trace, summary. Each shared part is written once and reused; the rest are a
 * few short strings and numbers, written here because a JSON.stringify call costs more than their
 * text. Key order and omitted undefined values are JSON.stringify's. A key whose value is the
 * one the duplicate before had at that place reuses its text (660 -> 310 ns per duplicate
 * measured alone); only the id and times are written again.
 */
function duplicateJson(result: TriageResult): string {
  let json = '{';
  let position = 0;
  for (const key in result) {
    const value = result[key as keyof TriageResult];
    let pair: string | undefined;
    // A flood's duplicates share most values with the one before, key by key: reuse its `"key":value` text.
    if (pairKeys[position] === key && pairValues[position] === value) {
      pair = pairTexts[position]!;
    } else {
      const part = valueJson(value);
      if (part === undefined) continue;
      pair = keyPrefix(key) + part;
      pairKeys[position] = key;
      pairValues[position] = value;
      pairTexts[position] = pair;
    }
    json += position === 0 ? pair : `,${pair}`;
    position += 1;
  }
  return `${json}}`;
}

/** The last duplicate's keys, values and `"key":value` texts, by position. */
const pairKeys: string[] = [];
const pairValues: unknown[] = [];
const pairTexts: string[] = [];

const keyPrefixes = new Map<string, string>();

function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(key)}:`;
    keyPrefixes.set(key, prefix);
  }
  return prefix;
}

const objectJson = new WeakMap<object, string>();
/** Long strings are the shared ones (summary, rule name): written once while they keep coming. */
const longStringJson = new Map<string, string>();
const LONG_STRING = 64;
const MAX_LONG_STRINGS = 4096;
/** What JSON.stringify escapes in a string: quote, backslash, control characters and (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function valueJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': {
      if (value.length < LONG_STRING) return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
      let json = longStringJson.get(value);
      if (json === undefined) {
        if (longStringJson.size >= MAX_LONG_STRINGS) longStringJson.clear();
        json = JSON.stringify(value);
        longStringJson.set(value, json);
      }
      return json;
    }
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      let json = objectJson.get(value);
      if (json === undefined) {
        json = JSON.stringify(value);
        objectJson.set(value, json);
      }
      return json;
    }
    default:
      return undefined; // undefined, functions and symbols: omitted, as JSON.stringify does
  }
}
