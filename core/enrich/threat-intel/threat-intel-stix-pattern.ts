import { canonicalIndicatorValue, IntelFormatError, type IndicatorKind, type IndicatorValue } from './threat-intel-indicator.js';

/** STIX 2.1 patterning, read only as far as matching single entities needs. */

interface PatternToken {
  text: string;
  isString: boolean;
  position: number;
}

const PUNCTUATION = '[](),';
const OPERATOR_START = '=!<>';

function tokenizePattern(pattern: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  let index = 0;
  const readQuoted = (): string => {
    let value = '';
    index++;
    while (index < pattern.length && pattern[index] !== "'") {
      if (pattern[index] === '\\') index++;
      value += pattern[index] ?? '';
      index++;
    }
    if (index >= pattern.length) throw new IntelFormatError('unterminated string literal');
    index++;
    return value;
  };
  while (index < pattern.length) {
    const character = pattern[index] ?? '';
    const position = index;
    if (/\s/.test(character)) {
      index++;
    } else if (PUNCTUATION.includes(character)) {
      tokens.push({ text: character, isString: false, position });
      index++;
    } else if (character === "'") {
      tokens.push({ text: readQuoted(), isString: true, position });
    } else if (OPERATOR_START.includes(character)) {
      const twoCharacters = pattern.slice(index, index + 2);
      const operator = ['!=', '<=', '>='].includes(twoCharacters) ? twoCharacters : character;
      tokens.push({ text: operator, isString: false, position });
      index += operator.length;
    } else {
      // Words: keywords, numbers, object paths (file:hashes.'SHA-256') and typed literals (t'…').
      let word = '';
      while (index < pattern.length) {
        const next = pattern[index] ?? '';
        if (/\s/.test(next) || PUNCTUATION.includes(next) || OPERATOR_START.includes(next)) break;
        if (next === "'") word += `'${readQuoted()}'`;
        else word += pattern[index++];
      }
      tokens.push({ text: word, isString: false, position });
    }
  }
  return tokens;
}

const IP_PATHS = new Set(['ipv4-addr:value', 'ipv6-addr:value', 'network-traffic:src_ref.value', 'network-traffic:dst_ref.value']);
const EMAIL_PATHS = new Set(['email-addr:value', 'email-message:from_ref.value', 'email-message:sender_ref.value']);

function kindOfPath(objectPath: string): IndicatorKind | undefined {
  if (IP_PATHS.has(objectPath)) return 'ip';
  if (objectPath === 'domain-name:value') return 'domain';
  if (objectPath === 'url:value') return 'url';
  if (objectPath.startsWith('file:hashes.') || objectPath.startsWith('artifact:hashes.')) return 'hash';
  if (EMAIL_PATHS.has(objectPath)) return 'email';
  return undefined;
}

/**
 * Reads a STIX pattern and returns the comparisons that each, alone, make it true: the disjuncts
 * of OR. AND, FOLLOWEDBY, REPEATS, START/STOP and negations need more than one entity or a time
 * window, so they yield nothing (never a partial, over-broad match).
 */
export function sufficientComparisons(pattern: string): IndicatorValue[] {
  const tokens = tokenizePattern(pattern);
  let at = 0;
  const peek = (): string | undefined => (tokens[at]?.isString ? undefined : tokens[at]?.text.toUpperCase());
  const fail = (expected: string): never => {
    const token = tokens[at];
    throw new IntelFormatError(`expected ${expected} at character ${token ? token.position + 1 : pattern.length + 1}${token ? ` (found "${token.text}")` : ' (end of pattern)'}`);
  };
  const expect = (text: string): void => {
    if (peek() !== text) fail(`"${text}"`);
    at++;
  };
  const binary = (operand: () => IndicatorValue[], keyword: string, combine: 'union' | 'none'): IndicatorValue[] => {
    const parts = [operand()];
    while (peek() === keyword) {
      at++;
      parts.push(operand());
    }
    if (parts.length === 1) return parts[0] ?? [];
    return combine === 'union' ? parts.flat() : [];
  };
  const literal = (): string => {
    const token = tokens[at];
    if (!token || (!token.isString && PUNCTUATION.includes(token.text))) fail('a value');
    at++;
    return token?.text ?? '';
  };
  const comparison = (): IndicatorValue[] => {
    if (peek() === '(') {
      at++;
      const inner = comparisonOr();
      expect(')');
      return inner;
    }
    if (peek() === 'EXISTS') {
      at++;
      literal();
      return [];
    }
    const objectPath = tokens[at]?.isString === false ? (tokens[at]?.text ?? '') : '';
    if (!objectPath.includes(':')) fail('an object path such as ipv4-addr:value');
    at++;
    let isNegated = false;
    if (peek() === 'NOT') {
      isNegated = true;
      at++;
    }
    const operator = peek();
    if (!operator || !['=', '!=', '<', '>', '<=', '>=', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(operator)) fail('a comparison operator');
    at++;
    const values: { text: string; isString: boolean }[] = [];
    if (operator === 'IN') {
      expect('(');
      values.push({ isString: tokens[at]?.isString ?? false, text: literal() });
      while (peek() === ',') {
        at++;
        values.push({ isString: tokens[at]?.isString ?? false, text: literal() });
      }
      expect(')');
    } else {
      values.push({ isString: tokens[at]?.isString ?? false, text: literal() });
    }
    const kind = kindOfPath(objectPath);
    const isUsable = !isNegated && kind !== undefined && (operator === '=' || operator === 'IN' || (operator === 'ISSUBSET' && kind === 'ip'));
    if (!isUsable) return [];
    return values.filter((value) => value.isString).map((value) => canonicalIndicatorValue(kind, value.text));
  };
  const comparisonAnd = (): IndicatorValue[] => binary(comparison, 'AND', 'none');
  const comparisonOr = (): IndicatorValue[] => binary(comparisonAnd, 'OR', 'union');
  const qualified = (): IndicatorValue[] => {
    let result: IndicatorValue[];
    if (peek() === '(') {
      at++;
      result = patternExpression();
      expect(')');
    } else {
      expect('[');
      result = comparisonOr();
      expect(']');
    }
    for (;;) {
      const qualifier = peek();
      if (qualifier === 'WITHIN') {
        at += 3; // WITHIN <seconds> SECONDS: one observation satisfies any window
      } else if (qualifier === 'REPEATS') {
        at += 3;
        result = [];
      } else if (qualifier === 'START') {
        at += 4; // START t'…' STOP t'…'
        result = [];
      } else {
        if (at > tokens.length) fail('a complete qualifier');
        return result;
      }
    }
  };
  const observationAnd = (): IndicatorValue[] => binary(qualified, 'AND', 'none');
  const observationOr = (): IndicatorValue[] => binary(observationAnd, 'OR', 'union');
  const patternExpression = (): IndicatorValue[] => binary(observationOr, 'FOLLOWEDBY', 'none');
  const result = patternExpression();
  if (at < tokens.length) fail('end of pattern');
  return result;
}
