import { Readable } from 'node:stream';
import chain, { none } from 'stream-chain';
import { parser } from 'stream-json';
import streamArray from 'stream-json/streamers/stream-array.js';
import streamValues from 'stream-json/streamers/stream-values.js';
import { MAX_JSON_DEPTH, tooDeepMessage } from '../spec/json-depth.js';

/** A record of a JSON input, or why the rest of the document could not be read. */
export type JsonRecord = { record: unknown } | { unreadable: string; line: number; text: string };

/**
 * Records of a JSON document read as a stream (stream-json): the elements of a top-level array one
 * at a time, or top-level values one after another. Memory stays bounded by the largest record,
 * not the file, and bytes are decoded as UTF-8 across chunk boundaries by the parser. Records
 * before a syntax error or a record nested past MAX_JSON_DEPTH are kept; the error ends the
 * document as one unreadable entry.
 */
export async function* readJsonRecords(chunks: AsyncIterable<Buffer | string>, label: string): AsyncGenerator<JsonRecord> {
  const iterator = chunks[Symbol.asyncIterator]();
  // Peek at the first significant byte to tell an array from a stream of values; keep what was read.
  const head: Array<Buffer | string> = [];
  let first: string | undefined;
  while (first === undefined) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    const text = typeof next.value === 'string' ? next.value : next.value.toString('latin1');
    const match = /[^\s\ufeff\u00ef\u00bb\u00bf]/.exec(text);
    if (match) first = match[0];
  }
  if (first === undefined) return;
  const bom = head[0];
  if (typeof bom === 'string' && bom.startsWith('\ufeff')) head[0] = bom.slice(1);
  else if (bom !== undefined && typeof bom !== 'string' && bom[0] === 0xef && bom[1] === 0xbb && bom[2] === 0xbf) head[0] = bom.subarray(3);
  const source = Readable.from(
    (async function* () {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })(),
    { objectMode: false },
  );
  const isArray = first === '[';
  const guard = depthGuard(isArray ? MAX_JSON_DEPTH + 1 : MAX_JSON_DEPTH);
  const stages: unknown[] = [parser({ jsonStreaming: !isArray }), guard.stage, isArray ? streamArray() : streamValues()];
  // stream-chain types each stage list exactly; these three are its documented parser → filter → streamer shape.
  const pipeline = chain(stages as Parameters<typeof chain>[0]);
  source.on('error', (error) => pipeline.destroy(error));
  source.pipe(pipeline);
  let count = 0;
  try {
    for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
      count += 1;
      yield { record: item.value };
    }
    if (guard.tripped()) yield { unreadable: `${label}: record ${count + 1}: ${tooDeepMessage()}; the records before it were read`, line: 0, text: '' };
  } catch (error) {
    yield {
      unreadable: `${label} is not valid JSON after record ${count} (${(error as Error).message}); the records before it were read. For one JSON object per line use .jsonl or --input-format jsonl`,
      line: 0,
      text: '',
    };
  }
}

/**
 * Ends the document where a record nests deeper than the limit (the array holding the records is
 * one level more), counted on the token stream before anything is assembled: later tokens are
 * dropped, so the records before it still come out, and `tripped` says why the rest did not.
 */
function depthGuard(limit: number): { stage: (token: { name: string }) => { name: string } | typeof none; tripped: () => boolean } {
  let depth = 0;
  let isTripped = false;
  return {
    stage: (token) => {
      if (isTripped) return none;
      if (token.name === 'startObject' || token.name === 'startArray') {
        depth += 1;
        if (depth > limit) {
          isTripped = true;
          return none;
        }
      } else if (token.name === 'endObject' || token.name === 'endArray') {
        depth -= 1;
      }
      return token;
    },
    tripped: () => isTripped,
  };
}
