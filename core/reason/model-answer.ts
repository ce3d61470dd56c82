import { z } from 'zod';
import { VerdictSchema } from '../spec/result.js';
import { lookupTechnique } from '../enrich/attack-catalog.js';
import { ATTACK_SUCCESSORS } from '../enrich/knowledge/technique-inference.js';
import { ATTACK_ID_PATTERN } from '../spec/alert.js';

/** What the model must answer. Parsed leniently (unknown keys are dropped, never obeyed). */
export const ModelAnswerSchema = z.object({
  verdict: VerdictSchema,
  confidence: z.number().min(0).max(1),
  rationale: z.string().min(1).max(2_000),
  citedEvidenceIds: z.array(z.string()).max(50),
  techniqueIds: z.array(z.string()).max(20).default([]),
});
export type ModelAnswer = z.infer<typeof ModelAnswerSchema>;

/** The `response_format` sent: strict structured output (every key required, none extra). */
export function answerResponseFormat(): {
  type: 'json_schema';
  json_schema: { name: string; strict: boolean; schema: Record<string, unknown> };
} {
  const schema = z.toJSONSchema(ModelAnswerSchema.strict(), { io: 'output' }) as Record<string, unknown>;
  delete schema.$schema;
  stripKey(schema, 'default');
  return { type: 'json_schema', json_schema: { name: 'triage_verdict', strict: true, schema } };
}

function stripKey(value: unknown, key: string): void {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) delete (value as Record<string, unknown>)[key];
  for (const item of Object.values(value)) stripKey(item, key);
}

/**
 * Finds the system prompt (or the per-reasoner canary) in model output. A compromised or
 * injected model may try to echo its instructions into the stored explanation.
 */
export interface LeakGuard {
  leaks(text: string): boolean;
}

const SHINGLE_WORDS = 7;

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

export function createLeakGuard(systemPrompt: string, canary: string): LeakGuard {
  const promptWords = words(systemPrompt);
  const shingles = new Set<string>();
  for (let index = 0; index + SHINGLE_WORDS <= promptWords.length; index++) {
    shingles.add(promptWords.slice(index, index + SHINGLE_WORDS).join(' '));
  }
  return {
    leaks(text) {
      if (text.includes(canary)) return true;
      const answerWords = words(text);
      for (let index = 0; index + SHINGLE_WORDS <= answerWords.length; index++) {
        if (shingles.has(answerWords.slice(index, index + SHINGLE_WORDS).join(' '))) return true;
      }
      return false;
    },
  };
}

export type AnswerCheck = { ok: true; answer: ModelAnswer } | { ok: false; issues: string[] };

/** Parse and check one answer: JSON, schema, citations that exist, technique ids, no prompt leak. */
export function checkAnswer(content: string | null, evidenceIds: readonly string[], guard: LeakGuard): AnswerCheck {
  if (!content || content.trim() === '') return { ok: false, issues: ['the answer was empty'] };
  let json: unknown;
  try {
    json = JSON.parse(stripCodeFence(content));
  } catch {
    return { ok: false, issues: ['the answer was not a JSON object'] };
  }
  const parsed = ModelAnswerSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'answer'}: ${issue.message}`) };
  }
  const answer = parsed.data;
  const issues: string[] = [];
  const known = new Set(evidenceIds);
  const unknown = answer.citedEvidenceIds.filter((id) => !known.has(id));
  // Counted, not quoted: model text never reaches the trace through an error message.
  if (unknown.length > 0) issues.push(`cited ${unknown.length} evidence id(s) that do not exist`);
  if (evidenceIds.length > 0 && answer.citedEvidenceIds.length === 0) issues.push('cite at least one evidence id');
  const badTechniques = answer.techniqueIds.filter((id) => !ATTACK_ID_PATTERN.test(id));
  if (badTechniques.length > 0) issues.push('techniqueIds must look like T1059 or T1059.001');
  else if (answer.techniqueIds.some((id) => !isKnownTechnique(id))) issues.push('techniqueIds must be ATT&CK Enterprise techniques; leave out ids you are not sure exist');
  if (guard.leaks(answer.rationale)) issues.push('the rationale repeats your instructions; explain the alert instead');
  return issues.length > 0 ? { ok: false, issues } : { ok: true, answer };
}

const RENUMBERED = new Set(ATTACK_SUCCESSORS.values());

/** In the bundled ATT&CK catalogue (v18.1), or a v19 id of a renumbered technique; revoked ids are not proposals. */
export function isKnownTechnique(id: string): boolean {
  const technique = lookupTechnique(id);
  return technique !== undefined ? !technique.revoked && !technique.deprecated : RENUMBERED.has(id.toUpperCase());
}

/** Local models often wrap JSON in a Markdown fence even when asked not to. */
function stripCodeFence(content: string): string {
  const match = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(content);
  return match?.[1] ?? content;
}
