import type pg from 'pg';
import type { StoredResult } from './repository.js';
import { entityRows, verdictParameters } from './row-mapping.js';

/** Rows per multi-row INSERT: far under PostgreSQL's 65,535 bind parameters. */
export const ROWS_PER_STATEMENT = 500;

/**
 * Writes a batch's verdicts and their entity keys with multi-row INSERTs, inside the caller's
 * transaction: one statement per 500 verdicts and per 2,000 entity rows.
 */
export async function insertResults(client: pg.PoolClient, items: readonly StoredResult[]): Promise<void> {
  for (const chunk of chunks(lastPerAlert(items), ROWS_PER_STATEMENT)) {
    await client.query(
      preparedWhenFull(
        `verdicts-${chunk.length}`,
        chunk.length === ROWS_PER_STATEMENT,
        insertVerdicts(chunk.length),
        chunk.flatMap(({ result }) => verdictParameters(result)),
      ),
    );
    const entities = chunk.flatMap(({ result, entityKeys }) => entityRows(result.alertId, entityKeys));
    for (const entityChunk of chunks(entities, ROWS_PER_STATEMENT * 4)) {
      await client.query(
        preparedWhenFull(
          `entities-${entityChunk.length}`,
          entityChunk.length === ROWS_PER_STATEMENT * 4,
          `INSERT INTO verdict_entities (alert_id, entity) VALUES ${placeholders(entityChunk.length, 2)} ON CONFLICT DO NOTHING`,
          entityChunk.flat(),
        ),
      );
    }
  }
}

function insertVerdicts(count: number): string {
  return `INSERT INTO verdicts (alert_id, fingerprint, rule_name, platform, verdict, confidence, probability, alert_time, created_at, duplicate_of, body)
    VALUES ${placeholders(count, 11)}
    ON CONFLICT (alert_id) DO UPDATE SET fingerprint = excluded.fingerprint, rule_name = excluded.rule_name, platform = excluded.platform,
      verdict = excluded.verdict, confidence = excluded.confidence, probability = excluded.probability, alert_time = excluded.alert_time,
      created_at = excluded.created_at, duplicate_of = excluded.duplicate_of, body = excluded.body`;
}

const placeholderCache = new Map<string, string>();

/** `($1, $2), ($3, $4), …` for `count` rows of `width` columns (cached: the same few shapes recur). */
export function placeholders(count: number, width: number): string {
  const key = `${count}x${width}`;
  let text = placeholderCache.get(key);
  if (text === undefined) {
    const groups: string[] = [];
    for (let row = 0; row < count; row += 1) {
      groups.push(`(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}`).join(', ')})`);
    }
    text = groups.join(', ');
    if (placeholderCache.size < 256) placeholderCache.set(key, text);
  }
  return text;
}

/**
 * A full-size multi-row INSERT as a named prepared statement: the server parses and plans its
 * thousands of parameters once per connection instead of on every batch. Partial chunks (sizes
 * vary) stay unnamed.
 */
function preparedWhenFull(name: string, isFull: boolean, text: string, values: unknown[]): pg.QueryConfig {
  return isFull ? { name, text, values } : { text, values };
}

/** One INSERT … ON CONFLICT DO UPDATE may not touch a row twice, so a batch keeps each alert's last result (as SQLite's row-by-row upsert would). */
function lastPerAlert(items: readonly StoredResult[]): StoredResult[] {
  const byAlert = new Map<string, StoredResult>();
  for (const item of items) {
    const earlier = byAlert.get(item.result.alertId);
    byAlert.delete(item.result.alertId);
    byAlert.set(item.result.alertId, earlier ? { result: item.result, entityKeys: [...new Set([...earlier.entityKeys, ...item.entityKeys])] } : item);
  }
  return [...byAlert.values()];
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
