import { PS } from './command-rule.js';

/** Base64 payloads in PowerShell command lines: `-EncodedCommand` and `FromBase64String('…')` literals. */

const ENCODED_COMMAND = /(?:^|\s)[-/\u2013\u2014\u2015](?:ec|e(?:n(?:c(?:o(?:d(?:e(?:d(?:c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?)?)?)?)?)?)?)?)\s+["']?([a-z0-9+/]{16,}={0,2})/i;
const BASE64_LITERAL = /frombase64string\s*\(\s*["']([a-z0-9+/]{24,}={0,2})["']/gi;

export interface EncodedPayload {
  encoded: string;
  how: 'encoded command' | 'embedded Base64 string';
}

/** The encoded command (when PowerShell runs) and up to three payloads in all. */
export function findEncodedPayloads(text: string, programs: ReadonlySet<string>): EncodedPayload[] {
  const payloads: EncodedPayload[] = [];
  if (PS.some((name) => programs.has(name))) {
    const encoded = ENCODED_COMMAND.exec(text);
    if (encoded?.[1] !== undefined) payloads.push({ encoded: encoded[1], how: 'encoded command' });
  }
  BASE64_LITERAL.lastIndex = 0;
  for (let match = BASE64_LITERAL.exec(text); match !== null && payloads.length < 3; match = BASE64_LITERAL.exec(text)) {
    if (match[1] !== undefined) payloads.push({ encoded: match[1], how: 'embedded Base64 string' });
  }
  return payloads;
}

/** Base64 decoded as UTF-16LE or UTF-8 text; undefined when short or not mostly printable. */
export function decodeBase64Text(encoded: string): string | undefined {
  const buffer = Buffer.from(encoded, 'base64');
  if (buffer.length < 8) return undefined;
  let zeros = 0;
  for (let index = 1; index < buffer.length; index += 2) if (buffer[index] === 0) zeros++;
  const text = (zeros * 2 >= buffer.length * 0.7 ? buffer.toString('utf16le') : buffer.toString('utf8')).replace(/^\ufeff/, '').replace(/\u0000+$/, '');
  let printable = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code >= 32 && code < 127) || code === 9 || code === 10 || code === 13 || (code >= 160 && code !== 0xfffd)) printable++;
  }
  return text.length > 0 && printable / text.length >= 0.9 ? text : undefined;
}
