/**
 * Splits text holding several JSON values one after another (pretty-printed objects back to
 * back, as some Sigma regression files are) into the parsed values. Strings are honoured, so a
 * brace inside a command line does not end an object. Text between values is skipped; with
 * `strict` (a Splunk HEC batch, which Splunk refuses with code 6) anything but white space there
 * throws.
 */
export function parseConcatenatedJson(text: string, options: { strict?: boolean } = {}): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (options.strict && depth === 0 && char !== '{' && char !== '[' && !/\s/.test(char!)) {
      throw new SyntaxError(`text between two values at ${index}: ${JSON.stringify(char)}`);
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (depth === 0) start = index;
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0 && start >= 0) {
        values.push(JSON.parse(text.slice(start, index + 1)));
        start = -1;
      }
    }
  }
  return values;
}
