import { titleFeatures, titleTokens } from './title-tokens.js';

/**
 * Title → ATT&CK technique inference from how the big public rule sets name their detections
 * (core/data/knowledge/title-techniques.json, built by `npm run knowledge`). Each title feature
 * (word or word pair) votes for the techniques public rules carrying it were tagged with, weighted
 * by how rare the feature is; only techniques with a clear share of the vote are returned.
 */

/** `feature → [document frequency, technique, count, technique, count, …]`. */
export interface TitleModel {
  documents: number;
  minConfidence: number;
  features: Record<string, Array<string | number>>;
}

export interface TitleTechnique {
  id: string;
  /** Share of the title's weighted vote (0–1). */
  confidence: number;
  /** The title features that voted for it, strongest first. */
  features: string[];
}

/** Techniques a title points at, strongest first (at most `limit`); empty when no feature is known. */
export function inferTitleTechniques(model: TitleModel, title: string, limit = 2): TitleTechnique[] {
  const scores = new Map<string, { score: number; features: Array<[string, number]> }>();
  let total = 0;
  for (const feature of titleFeatures(titleTokens(title))) {
    const row = model.features[feature];
    if (row === undefined) continue;
    const documents = row[0] as number;
    const idf = Math.log(1 + model.documents / documents);
    total += idf;
    for (let index = 1; index + 1 < row.length; index += 2) {
      const id = row[index] as string;
      const vote = (idf * (row[index + 1] as number)) / documents;
      const entry = scores.get(id) ?? { score: 0, features: [] };
      entry.score += vote;
      entry.features.push([feature, vote]);
      scores.set(id, entry);
    }
  }
  if (total === 0) return [];
  const ranked = [...scores.entries()].map(([id, entry]) => ({ id, confidence: entry.score / total, features: entry.features.sort((left, right) => right[1] - left[1]).map(([feature]) => feature) }));
  ranked.sort((left, right) => right.confidence - left.confidence || left.id.localeCompare(right.id));
  const top = ranked[0]?.confidence ?? 0;
  return ranked
    .filter((entry) => entry.confidence >= model.minConfidence && entry.confidence >= top * 0.6)
    .slice(0, limit)
    .map((entry) => ({ ...entry, confidence: Math.round(entry.confidence * 1000) / 1000 }));
}
