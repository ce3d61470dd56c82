import type { LoadedConfig } from '../config/load-config.js';
import { MemoryIndex } from '../enrich/memory.js';
import { createTriageEngine, type TriageEngine } from '../pipeline/engine.js';
import { buildEnrichers } from './enricher-registry.js';

/**
 * A fresh offline engine with empty memory and no store: what a back-test replays each data set
 * through ("a new deployment"), and what benchmarks measure.
 */
export function createOfflineEngine(loaded: LoadedConfig): { engine: TriageEngine; memory: MemoryIndex } {
  const memory = new MemoryIndex(loaded.config.memory.halfLifeDays);
  const { enrichers } = buildEnrichers({ config: loaded.config, baseDir: loaded.baseDir, memory });
  return { engine: createTriageEngine({ config: loaded.config, enrichers, memory }), memory };
}
