import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { commandFeatures } from '../../core/enrich/knowledge/command-features.js';
import type { ProcedureModel } from '../../core/enrich/knowledge/procedure-techniques.js';

/** One Atomic Red Team test as the generator reads it: its technique and the command it runs. */
export interface AtomicProcedure {
  technique: string;
  name: string;
  platforms: string[];
  command: string;
}

interface AtomicFile {
  attack_technique?: string;
  atomic_tests?: Array<{
    name?: string;
    supported_platforms?: string[];
    input_arguments?: Record<string, { default?: unknown }>;
    executor?: { name?: string; command?: string };
  }>;
}

/** Every non-manual test of `atomics/T*.yaml`, `#{argument}` placeholders replaced by their defaults. */
export function readAtomicProcedures(atomicsDirectory: string): AtomicProcedure[] {
  const procedures: AtomicProcedure[] = [];
  for (const file of readdirSync(atomicsDirectory)
    .filter((name) => /^T\d{4}(?:\.\d{3})?\.yaml$/.test(name))
    .sort()) {
    const document = parseYaml(readFileSync(path.join(atomicsDirectory, file), 'utf8')) as AtomicFile;
    const technique = String(document.attack_technique ?? file.replace(/\.yaml$/, '')).toUpperCase();
    for (const test of document.atomic_tests ?? []) {
      const executor = test.executor ?? {};
      if (executor.name === 'manual' || typeof executor.command !== 'string') continue;
      const command = executor.command.replace(/#\{(\w+)\}/g, (_whole, name: string) => {
        const value = test.input_arguments?.[name]?.default;
        return value === undefined || value === null ? '' : String(value);
      });
      procedures.push({ technique, name: test.name ?? '', platforms: test.supported_platforms ?? [], command });
    }
  }
  return procedures;
}

/**
 * Counts, per command feature, the procedures using it and the techniques they carry out. Only
 * features where one technique holds at least `minShare` of the procedures are kept: the rest
 * (cmd, powershell, Remove-Item…) are shared by everything and say nothing.
 */
export function buildProcedureModel(procedures: readonly AtomicProcedure[], minShare: number): ProcedureModel {
  const counts = new Map<string, { documents: number; techniques: Map<string, number> }>();
  for (const procedure of procedures) {
    for (const feature of commandFeatures(procedure.command)) {
      const entry = counts.get(feature) ?? { documents: 0, techniques: new Map<string, number>() };
      entry.documents += 1;
      entry.techniques.set(procedure.technique, (entry.techniques.get(procedure.technique) ?? 0) + 1);
      counts.set(feature, entry);
    }
  }
  const features: ProcedureModel['features'] = {};
  for (const feature of [...counts.keys()].sort()) {
    const entry = counts.get(feature)!;
    const row: Array<string | number> = [entry.documents];
    for (const [id, count] of [...entry.techniques.entries()].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]))) {
      if (count / entry.documents >= minShare) row.push(id, count);
    }
    if (row.length > 1) features[feature] = row;
  }
  return { procedures: procedures.length, minShare, features };
}
