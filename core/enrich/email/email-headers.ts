/** Sender-authentication headers as receiving servers write them: Authentication-Results and Received-SPF. */

/** One method's result from an Authentication-Results header (RFC 8601 `resinfo`). */
export interface AuthenticationResult {
  method: string;
  result: string;
  /** `reason=` and `ptype.property=` values (`smtp.mailfrom`, `header.d`, `header.from`, `action`…). */
  properties: Record<string, string>;
  /** Text of the parenthesised comments, e.g. `p=REJECT sp=REJECT dis=NONE`. */
  comment: string;
  /** The resinfo without comments, whitespace collapsed: what claims quote. */
  text: string;
}

/** Splits on `separator` outside comments and quoted strings; collects top-level comments per part. */
function splitOutsideComments(text: string, separator: string): { body: string; comment: string }[] {
  const parts: { body: string; comment: string }[] = [];
  let body = '';
  let comment = '';
  let depth = 0;
  let isQuoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '\\' && (isQuoted || depth > 0)) {
      const next = text[index + 1] ?? '';
      if (depth > 0) comment += next;
      else body += char + next;
      index++;
    } else if (char === '"' && depth === 0) {
      isQuoted = !isQuoted;
      body += char;
    } else if (char === '(' && !isQuoted) {
      if (depth > 0) comment += char;
      else if (comment) comment += ' ';
      depth++;
    } else if (char === ')' && !isQuoted && depth > 0) {
      depth--;
      if (depth > 0) comment += char;
    } else if (depth > 0) {
      comment += char;
    } else if (char === separator && !isQuoted) {
      parts.push({ body, comment });
      body = '';
      comment = '';
    } else {
      body += char;
    }
  }
  parts.push({ body, comment });
  return parts;
}

const PAIR = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

/**
 * Parses one or more Authentication-Results headers (RFC 8601 §2.2). Lenient: vendors add
 * non-standard properties (`action=`, `compauth=`) and sometimes omit the authserv-id.
 */
export function parseAuthenticationResults(header: string): AuthenticationResult[] {
  const results: AuthenticationResult[] = [];
  for (const single of header.split(/\r?\n(?=\s*Authentication-Results\s*:)/i)) {
    const value = single.replace(/^\s*Authentication-Results\s*:/i, '');
    splitOutsideComments(value, ';').forEach(({ body, comment }, index) => {
      const text = body
        .replace(/\s*=\s*/g, '=')
        .replace(/\s+/g, ' ')
        .trim();
      const pairs = [...text.matchAll(PAIR)];
      const first = pairs[0];
      // The first part is the authserv-id (with an optional version) unless it already holds a result.
      if (!first || (index === 0 && first.index !== 0)) return;
      const properties: Record<string, string> = {};
      for (const pair of pairs.slice(1)) {
        properties[pair[1]!.toLowerCase()] = pair[2]!.replace(/^"|"$/g, '');
      }
      results.push({
        method: first[1]!.toLowerCase().replace(/\/.*$/, ''),
        result: first[2]!.toLowerCase(),
        properties,
        comment: comment.replace(/\s+/g, ' ').trim(),
        text,
      });
    });
  }
  return results;
}

/** Parses a Received-SPF header (RFC 7208 §9.1): the result word, a comment, then key=value pairs. */
export function parseReceivedSpf(header: string): AuthenticationResult | undefined {
  const parts = splitOutsideComments(header.replace(/^\s*Received-SPF\s*:/i, ''), ';');
  const text = parts
    .map((part) => part.body)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const result = /^([a-z]+)/i.exec(text)?.[1]?.toLowerCase();
  if (!result) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of text.matchAll(PAIR)) properties[pair[1]!.toLowerCase()] = pair[2]!.replace(/^"|"$/g, '');
  const comment = parts
    .map((part) => part.comment)
    .filter(Boolean)
    .join(' ');
  return { method: 'spf', result, properties, comment, text: `Received-SPF: ${text}` };
}
