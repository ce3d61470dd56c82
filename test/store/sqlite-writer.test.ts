import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createInThreadWriter, createWorkerWriter, NOT_WRITTEN_MESSAGE, type SqliteWriter } from '../../core/store/sqlite-writer.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function createDatabaseFile(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'verdict-writer-'));
  directories.push(directory);
  const file = path.join(directory, 'writer.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  db.close();
  return file;
}

/** Rows in the database file alone, without its WAL: what has been checkpointed. */
function checkpointedRows(file: string): number {
  const copy = `${file}.copy`;
  copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS count FROM items').get() as { count: number }).count;
  } finally {
    db.close();
  }
}

describe('worker writer', () => {
  it('checkpoints the WAL once its queue is idle, far below the autocheckpoint cap', async () => {
    const file = createDatabaseFile();
    const writer = createWorkerWriter(file);
    try {
      await writer.execute([{ sql: 'INSERT INTO items (body) VALUES (?)', rows: [['first'], ['second']] }]);
      let rows = 0;
      for (let attempt = 0; attempt < 50 && rows < 2; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        rows = checkpointedRows(file);
      }
      expect(rows).toBe(2);
    } finally {
      await writer.close();
    }
  });

  it('commits every write queued while busy, each resolving with its own changes', async () => {
    const file = createDatabaseFile();
    const writer = createWorkerWriter(file);
    try {
      const changes = await Promise.all(
        Array.from({ length: 20 }, (_, index) => writer.execute([{ sql: 'INSERT INTO items (body) VALUES (?)', rows: Array.from({ length: index + 1 }, () => [`row ${index}`]) }])),
      );
      expect(changes).toEqual(Array.from({ length: 20 }, (_, index) => [index + 1]));
    } finally {
      await writer.close();
    }
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT count(*) AS count FROM items').get() as { count: number }).count).toBe(210);
    db.close();
  });
});

/** Bodies in the file, in the order they were inserted. */
function bodies(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT body FROM items ORDER BY id').all() as Array<{ body: string }>).map((row) => row.body);
  } finally {
    db.close();
  }
}

const insert = (body: string) => [{ sql: 'INSERT INTO items (body) VALUES (?)', rows: [[body]] }];

describe.each([
  ['worker', (file: string) => ({ writer: createWorkerWriter(file), close: () => undefined })],
  [
    'in-thread',
    (file: string) => {
      const db = new Database(file);
      return { writer: createInThreadWriter(db) as SqliteWriter, close: () => db.close() };
    },
  ],
] as const)('%s writer: a write handed over to follow another', (_, open) => {
  it('runs only once the write it follows has landed, after writes sent before it', async () => {
    const file = createDatabaseFile();
    const { writer, close } = open(file);
    try {
      let release!: () => void;
      const before = new Promise<void>((resolve) => {
        release = resolve;
      });
      const held = writer.execute(insert('held'), { after: before });
      await writer.execute(insert('first'));
      // Still held: the write it follows has not landed.
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(bodies(file)).toEqual(['first']);
      release();
      expect(await held).toEqual([1]);
      expect(bodies(file)).toEqual(['first', 'held']);
    } finally {
      await writer.close();
      close();
    }
  });

  it('writes nothing, and says so, when the write it follows fails', async () => {
    const file = createDatabaseFile();
    const { writer, close } = open(file);
    try {
      const failed = writer.execute([{ sql: 'INSERT INTO missing_table (body) VALUES (?)', rows: [['x']] }]);
      const held = writer.execute(insert('held'), { after: failed });
      await expect(failed).rejects.toThrow(/missing_table/);
      await expect(held).rejects.toThrow(NOT_WRITTEN_MESSAGE);
      await writer.execute(insert('later'));
      expect(bodies(file)).toEqual(['later']);
    } finally {
      await writer.close();
      close();
    }
  });
});
