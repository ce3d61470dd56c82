/** Records kept in dead letters are cut here: enough to replay, never unbounded. */
export const MAX_RECORD_BYTES = 65_536;

/** Keyset cursor over (alert_time, alert_id), opaque to clients. */
export function encodeCursor(time: string, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { time: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return { time: value[0], id: value[1] };
  } catch {
    // An unreadable cursor is treated as "from the start"; the API layer validates its shape.
  }
  return undefined;
}
