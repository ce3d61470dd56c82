import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonRecords, type JsonRecord } from '../../../core/cli/read-json-records.js';

const directory = mkdtempSync(path.join(tmpdir(), 'verdict-json-records-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function collect(records: AsyncGenerator<JsonRecord>): Promise<JsonRecord[]> {
  const all: JsonRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

describe('JSON input read as a stream', () => {
  it('decodes multi-byte UTF-8 split across 64 KiB read chunks', async () => {
    const file = path.join(directory, 'boundary.json');
    const title = 'Ω'.repeat(3) + '€ 日本語 😀 Zürich';
    // Every offset of a 4-byte character around the 65,536-byte boundary of createReadStream's chunks.
    const documents = [0, 1, 2, 3].map((shift) => `[{"pad":"${'x'.repeat(65_536 - 10 - shift)}","title":"${title}"},{"title":"${title}"}]`);
    for (const document of documents) {
      writeFileSync(file, document);
      const records = await collect(readJsonRecords(createReadStream(file), file));
      expect(records).toHaveLength(2);
      for (const record of records) expect((record as { record: { title: string } }).record.title).toBe(title);
    }
  });

  it('yields the first element before the rest of the array is read (bounded memory)', async () => {
    let chunksRead = 0;
    const total = 2_000;
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('[');
      for (let index = 0; index < total; index++) {
        chunksRead += 1;
        yield Buffer.from(`${index === 0 ? '' : ','}{"id":${index},"note":"${'y'.repeat(512)}"}`);
      }
      yield Buffer.from(']');
    }
    const reader = readJsonRecords(chunks(), 'generated');
    const first = await reader.next();
    expect((first.value as { record: { id: number } }).record.id).toBe(0);
    expect(chunksRead).toBeLessThan(total / 2);
    let count = 1;
    for await (const record of reader) if ('record' in record) count += 1;
    expect(count).toBe(total);
  });

  it('reads a single object, concatenated values and a byte-order mark', async () => {
    expect(await collect(readJsonRecords(Readable.from([Buffer.from('\ufeff{"a":1}')]), 'one'))).toEqual([{ record: { a: 1 } }]);
    expect(await collect(readJsonRecords(Readable.from(['{"a":1}\n{"b":2} ', '{"c":3}']), 'many'))).toEqual([{ record: { a: 1 } }, { record: { b: 2 } }, { record: { c: 3 } }]);
    expect(await collect(readJsonRecords(Readable.from(['  \n ']), 'blank'))).toEqual([]);
  });

  it('keeps the records before a syntax error and reports the rest as unreadable', async () => {
    const records = await collect(readJsonRecords(Readable.from(['[{"a":1},{"b":']), 'broken.json'));
    expect(records[0]).toEqual({ record: { a: 1 } });
    expect(records[1]).toMatchObject({ unreadable: expect.stringMatching(/^broken\.json is not valid JSON after record 1 .*--input-format jsonl/) });
    expect(records).toHaveLength(2);
  });
});

describe('JSON input depth limit', () => {
  it('stops at a record nested past the limit, keeping the records before it', async () => {
    const deep = `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`;
    const records = await collect(readJsonRecords(Readable.from([`[{"ok":1},`, `${deep},{"ok":2}]`]), 'deep.json'));
    expect(records[0]).toEqual({ record: { ok: 1 } });
    expect(records[1]).toMatchObject({ unreadable: expect.stringMatching(/deeper than 64 levels/) });
    const oneChunk = await collect(readJsonRecords(Readable.from([`[{"ok":1},${deep},{"ok":2}]`]), 'deep.json'));
    expect(oneChunk.map((record) => ('record' in record ? 'record' : 'unreadable'))).toEqual(['record', 'unreadable']);
    const shallow = `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`;
    expect(await collect(readJsonRecords(Readable.from([`[${shallow}]`]), 'ok.json'))).toHaveLength(1);
  });
});

describe('readRecords with --input-format json', () => {
  it('streams a JSON array file through the same reader', async () => {
    const { readRecords } = await import('../../../core/cli/read-records.js');
    const file = path.join(directory, 'alerts.json');
    writeFileSync(file, JSON.stringify([{ id: 'a', title: 'Übersicht' }, { id: 'b' }]));
    const records: JsonRecord[] = [];
    for await (const record of readRecords(file, 'json')) records.push(record);
    expect(records).toEqual([{ record: { id: 'a', title: 'Übersicht' } }, { record: { id: 'b' } }]);
    writeFileSync(file, '[{"id":"a"},{"id":');
    const broken: JsonRecord[] = [];
    for await (const record of readRecords(file, 'json')) broken.push(record);
    expect(broken[1]).toMatchObject({ unreadable: expect.stringContaining(`input file ${file} is not valid JSON`) });
  });
});
