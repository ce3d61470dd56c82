import { parseConcatenatedJson } from '../../../scripts/eval/json-stream.js';

/**
 * A HEC batch as Splunk reads it: JSON values one after another with only white space between
 * them. A comma or stray text between two events throws, as Splunk answers code 6 (the shared eval
 * parser alone would skip it).
 */
export function parseHecBody(text: string): unknown[] {
  const values = parseConcatenatedJson(text);
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const char of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
    else if (depth === 0 && !/\s/.test(char)) throw new SyntaxError(`text between two events: ${JSON.stringify(char)}`);
  }
  return values;
}
