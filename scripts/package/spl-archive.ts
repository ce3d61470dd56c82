import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { create, list } from 'tar';
import type { AppEntry } from './app-lint.js';

/**
 * A `.spl` is a gzipped tar with one top folder named after the app id (platforms.md §1.1).
 * Built with the `tar` package: portable headers (no uid/gid/user names) and a fixed mtime, so
 * the same sources give the same archive.
 */

const FIXED_MTIME = new Date('2026-01-01T00:00:00Z');

export async function buildSpl(appDirectory: string, outputFile: string): Promise<void> {
  mkdirSync(dirname(outputFile), { recursive: true });
  await create({ gzip: true, file: outputFile, cwd: dirname(appDirectory), portable: true, mtime: FIXED_MTIME }, [basename(appDirectory)]);
}

export async function readSplEntries(file: string): Promise<AppEntry[]> {
  const entries: AppEntry[] = [];
  await list({
    file,
    onReadEntry: (entry) => {
      const type = entry.type === 'File' || entry.type === 'OldFile' ? 'file' : entry.type === 'Directory' ? 'directory' : 'other';
      const record: AppEntry = { path: entry.path, type, mode: entry.mode ?? 0 };
      entries.push(record);
      if (type !== 'file') return void entry.resume();
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        record.content = Buffer.concat(chunks);
      });
    },
  });
  return entries;
}
