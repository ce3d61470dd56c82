/**
 * How deep a JSON document may nest (objects and arrays). Real alerts nest a few levels (Graph
 * evidence, Kibana documents: under 20); a document nested thousands deep only exists to overflow
 * the call stack of whatever walks it. Checked on the text, before parsing, at every boundary.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of a JSON text, counted without parsing it (one linear pass; brackets inside
 * strings do not count). Stops counting once past `limit`, so a hostile document costs little.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let isInString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (isInString) {
      if (code === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (code === 0x22) isInString = false;
    } else if (code === 0x22) {
      isInString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
    }
  }
  return deepest;
}

/** The message for a document over the limit: names the limit and the fix. */
export function tooDeepMessage(limit = MAX_JSON_DEPTH): string {
  return `the JSON nests deeper than ${limit} levels of objects/arrays (the limit): flatten it or send the alert without the deep part`;
}
