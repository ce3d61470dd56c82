import { inferTitleTechniques, type TitleModel } from '../../core/enrich/knowledge/title-techniques.js';
import { titleFeatures, titleTokens } from '../../core/enrich/knowledge/title-tokens.js';

/** A labelled title: a public rule name (or an ATT&CK technique name) and the techniques it was tagged with. */
export interface LabelledTitle {
  title: string;
  techniques: string[];
  /** ATT&CK names always train; rule names are split into train / held apart. */
  origin: 'attack' | 'elastic' | 'splunk';
}

/**
 * Counts, per title feature, the documents carrying it and the techniques they were tagged with
 * (each document spreads one vote over its techniques). Features seen in one rule name only are
 * dropped (they name one rule, not a concept); ATT&CK names are kept whole.
 */
export function buildTitleModel(examples: readonly LabelledTitle[], minConfidence: number): TitleModel {
  const counts = new Map<string, { documents: number; fromAttack: boolean; techniques: Map<string, number> }>();
  for (const example of examples) {
    const techniques = [...new Set(example.techniques)];
    if (techniques.length === 0) continue;
    const share = 1 / techniques.length;
    for (const feature of titleFeatures(titleTokens(example.title))) {
      const entry = counts.get(feature) ?? { documents: 0, fromAttack: false, techniques: new Map<string, number>() };
      entry.documents += 1;
      entry.fromAttack ||= example.origin === 'attack';
      for (const id of techniques) entry.techniques.set(id, (entry.techniques.get(id) ?? 0) + share);
      counts.set(feature, entry);
    }
  }
  const features: TitleModel['features'] = {};
  for (const feature of [...counts.keys()].sort()) {
    const entry = counts.get(feature)!;
    if (entry.documents < 2 && !entry.fromAttack) continue;
    const row: Array<string | number> = [entry.documents];
    const sorted = [...entry.techniques.entries()].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]));
    // Techniques with under a tenth of the feature's documents are noise for inference; keep the file small.
    for (const [id, count] of sorted) if (count >= Math.max(0.5, entry.documents * 0.1)) row.push(id, Math.round(count * 100) / 100);
    if (row.length > 1) features[feature] = row;
  }
  const documents = examples.filter((example) => example.techniques.length > 0).length;
  return { documents, minConfidence, features };
}

/** Held-apart scoring at parent level: coverage, precision of what is predicted, and top-1 accuracy overall. */
export interface TitleMeasurement {
  titles: number;
  covered: number;
  coverage: number;
  correct: number;
  /** Correct ÷ covered: how often a returned technique (parent level) is one the authors assigned. */
  precision: number;
  /** Correct ÷ titles. */
  accuracy: number;
}

export function measureTitleModel(model: TitleModel, heldApart: readonly LabelledTitle[]): TitleMeasurement {
  let titles = 0;
  let covered = 0;
  let correct = 0;
  for (const example of heldApart) {
    if (example.techniques.length === 0) continue;
    titles += 1;
    const predicted = inferTitleTechniques(model, example.title, 1);
    if (predicted.length === 0) continue;
    covered += 1;
    const expected = new Set(example.techniques.map(parentOf));
    if (predicted.some((technique) => expected.has(parentOf(technique.id)))) correct += 1;
  }
  const round = (value: number): number => Math.round(value * 10_000) / 10_000;
  return { titles, covered, coverage: round(covered / titles), correct, precision: round(correct / Math.max(1, covered)), accuracy: round(correct / titles) };
}

export function parentOf(id: string): string {
  return id.split('.')[0] ?? id;
}

/** Deterministic held-apart split: a stable hash of the name, one in five held apart. */
export function isHeldApart(name: string): boolean {
  let hash = 2166136261;
  for (let index = 0; index < name.length; index++) hash = Math.imul(hash ^ name.charCodeAt(index), 16777619) >>> 0;
  return hash % 5 === 0;
}
