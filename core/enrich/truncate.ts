/**
 * `text` cut to at most `max` characters, ending in `...` when it was cut. The one truncation of
 * claims and details; ASCII, so a result whose alert text is ASCII stays a one-byte string (cheap
 * to join, encode and store).
 */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(1, max - 3))}...` : text;
}
