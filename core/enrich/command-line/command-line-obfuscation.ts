/** Signs that a command line was obfuscated, and undoing the tricks that split keywords. */

const CARET_IN_WORD = /[a-z0-9]\^[a-z0-9]/gi;
const TICK_IN_WORD = /[a-z]`[a-z]/gi;
const QUOTE_CONCAT = /["']\s*\+\s*["']/g;
const CHAR_CODE = /\[char\]\s*\(?\s*(?:0x)?[0-9a-f]+/gi;
const CASE_ALTERNATION = /[a-z][A-Z][a-z][A-Z]/;
const LETTER_RUNS = /[a-z]{6,24}/gi;
const BASE64_RUN = /[a-z0-9+/]{30,}={0,2}/gi;

/** Which obfuscation tricks a raw command line shows (empty when none). */
export function obfuscationSigns(raw: string): string[] {
  const signs: string[] = [];
  if (raw.includes('^') && count(CARET_IN_WORD, raw) >= 2) signs.push('carets inside words');
  if (raw.includes('`') && countTicks(raw) >= 2) signs.push('backticks inside words');
  if (raw.includes('+') && count(QUOTE_CONCAT, raw) >= 3) signs.push('string concatenation');
  if (raw.includes('[') && count(CHAR_CODE, raw) >= 3) signs.push('character codes');
  if (CASE_ALTERNATION.test(raw) && randomCaseWords(raw) >= 2) signs.push('random letter case');
  return signs;
}

/** Removes cmd carets, in-word quotes and PowerShell backticks that split keywords. */
export function deobfuscate(text: string): string {
  if (!/[\^`"]/.test(text)) return text;
  return text
    .replace(/\^(?=[^&|<>])/g, '')
    .replace(/(?<=[a-z])`(?=[a-z])/gi, '')
    .replace(/(?<=[a-z])""?(?=[a-z])/gi, '');
}

function count(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let total = 0;
  while (pattern.exec(text) !== null) total++;
  return total;
}

/** Backticks between letters, leaving out PowerShell escapes (`n, `t, `r…) that real scripts use. */
function countTicks(text: string): number {
  TICK_IN_WORD.lastIndex = 0;
  let total = 0;
  for (let match = TICK_IN_WORD.exec(text); match !== null; match = TICK_IN_WORD.exec(text)) {
    if (!/[ntr0abfv]/i.test(match[0].charAt(2))) total++;
  }
  return total;
}

/** Words whose letters flip case most of the time (`pOwErShElL`), Base64 runs left out. */
function randomCaseWords(text: string): number {
  const words = text.replace(BASE64_RUN, ' ').match(LETTER_RUNS);
  if (words === null) return 0;
  let total = 0;
  for (const word of words) {
    let flips = 0;
    for (let index = 1; index < word.length; index++) {
      const previous = word.charCodeAt(index - 1) < 97;
      const current = word.charCodeAt(index) < 97;
      if (previous !== current) flips++;
    }
    if (flips >= 4 && flips / (word.length - 1) >= 0.6) total++;
  }
  return total;
}
