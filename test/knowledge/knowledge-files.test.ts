import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lookupTechnique } from '../../core/enrich/attack-catalog.js';
import { buildKnowledgeFiles } from '../../scripts/knowledge/knowledge-files.js';
import { EVAL_DIR } from '../eval-data.js';

/** The committed knowledge is exactly what the generator builds from the public sources. */
const KNOWLEDGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../core/data/knowledge');
const DATA_DIR = path.join(path.dirname(EVAL_DIR), 'data');
const built = buildKnowledgeFiles(DATA_DIR);

describe('knowledge files (npm run knowledge)', () => {
  it('reproduces every committed file byte for byte, and nothing else is committed', () => {
    const committed = readdirSync(KNOWLEDGE_DIR)
      .filter((name) => name.endsWith('.json'))
      .sort();
    expect(committed).toEqual([...built.keys()].sort());
    for (const [name, content] of built) expect(readFileSync(path.join(KNOWLEDGE_DIR, name), 'utf8') === content, `${name} is stale: run npm run knowledge`).toBe(true);
  });

  it('carries provenance and a licence for every source of every file', () => {
    for (const [name, content] of built) {
      const document = JSON.parse(content) as { provenance?: { generator?: string; sources?: Array<{ licence?: string; repository?: string; commit?: string }> } };
      expect(document.provenance?.generator, name).toMatch(/scripts\/knowledge\/generate\.ts/);
      expect(document.provenance?.sources?.length, name).toBeGreaterThan(0);
      for (const source of document.provenance?.sources ?? []) {
        expect(source.licence, name).toMatch(/\S/);
        expect(source.repository, name).toMatch(/\S/);
        expect(source.commit, name).toMatch(/\S/);
      }
      expect(content, `${name} must not name the eval`).not.toMatch(/shared\/eval|regression_data|AIT-ADS/);
    }
  });

  it('stores statistics, not the public rule names or commands themselves', () => {
    const titles = JSON.parse(built.get('title-techniques.json')!) as { features: Record<string, unknown[]> };
    for (const feature of Object.keys(titles.features)) expect(feature.split(' ').length, feature).toBeLessThanOrEqual(2);
    const procedures = JSON.parse(built.get('procedure-techniques.json')!) as { features: Record<string, unknown[]> };
    for (const feature of Object.keys(procedures.features)) expect(feature, feature).toMatch(/^(?:prog|arg|cmdlet|ref|path):/);
  });

  it('names only techniques ATT&CK knows (v18.1, or v19 ids Atomic Red Team already uses)', () => {
    const procedures = JSON.parse(built.get('procedure-techniques.json')!) as { features: Record<string, Array<string | number>> };
    const titles = JSON.parse(built.get('title-techniques.json')!) as { features: Record<string, Array<string | number>> };
    const unknown = new Set<string>();
    for (const row of [...Object.values(procedures.features), ...Object.values(titles.features)]) {
      for (const item of row) if (typeof item === 'string' && lookupTechnique(item) === undefined) unknown.add(item);
    }
    for (const id of unknown) expect(id).toMatch(/^T1(?:68\d|69\d|027\.018)(?:\.\d{3})?$/);
  });

  it('reports the held-apart measurement of title inference', () => {
    const measured = (JSON.parse(built.get('title-techniques.json')!) as { measured: { titles: number; coverage: number; precision: number } }).measured;
    expect(measured.titles).toBeGreaterThan(500);
    expect(measured.coverage).toBeGreaterThan(0.5);
    expect(measured.precision).toBeGreaterThan(0.5);
  });
});
