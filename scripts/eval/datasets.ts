import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** A data set found in a data folder; names follow the folder (`ait/<scenario>`, `sigma`). */
export type DatasetSource = { kind: 'ait'; name: string; file: string; scenario: string } | { kind: 'sigma'; name: string; directory: string };

/**
 * Discovers data sets by layout, not by name: any folder of `*.csv.gz` files with the AIT header
 * is AIT-like, any folder with `index.jsonl` is Sigma-like. Nothing about the public files'
 * contents is special-cased, so a hold-out folder of the same layout runs unchanged.
 */
export function discoverDatasets(dataDirectory: string): DatasetSource[] {
  if (!existsSync(dataDirectory)) throw new Error(`data folder ${dataDirectory} does not exist: pass --data DIR (e.g. ../shared/eval)`);
  const found: DatasetSource[] = [];
  for (const entry of readdirSync(dataDirectory).sort()) {
    const folder = path.join(dataDirectory, entry);
    if (!statSync(folder).isDirectory()) continue;
    if (existsSync(path.join(folder, 'index.jsonl'))) {
      found.push({ kind: 'sigma', name: entry, directory: folder });
      continue;
    }
    for (const file of readdirSync(folder).sort()) {
      if (!file.endsWith('.csv.gz')) continue;
      const scenario = file.slice(0, -'.csv.gz'.length);
      found.push({ kind: 'ait', name: `${entry}/${scenario}`, file: path.join(folder, file), scenario });
    }
  }
  return found;
}
