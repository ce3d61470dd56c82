import { randomBytes } from 'node:crypto';
import { lookupTechnique, tacticsOf } from '../enrich/attack-catalog.js';
import { withEvidenceBasis } from '../enrich/evidence-basis.js';
import type { Alert } from '../spec/alert.js';
import { ConfigError } from '../spec/errors.js';
import type { TraceStep, TriageResult } from '../spec/result.js';
import { runConversation, type ConversationOutcome } from './conversation.js';
import { buildDataView, renderUserMessage } from './data-block.js';
import { costOf, createEgressLedger, describeFields, type EgressLedger, type EgressRequest } from './egress-ledger.js';
import { detectInjection, INJECTION_EVIDENCE_KIND } from './injection.js';
import { createLeakGuard, type ModelAnswer } from './model-answer.js';
import { createModelClient, estimateTokens } from './model-client.js';
import { loadPrompt } from './prompts.js';
import { createPseudonymizer } from './pseudonymize.js';
import { describeEndpoint, modelName, parseReasonConfig, resolveApiKey, type ReasonConfigInput } from './reason-config.js';
import type { ReasonTools } from './reason-tools.js';
import { checkAffordable, decideRoute, emptyHourBudget, spendTokens, type SkipReason } from './routing.js';
import { addFinding, applyAnswer, type Thresholds } from './score-band.js';

export interface ReasonerOptions {
  /** The decide stage's thresholds; the verdict after the model is recomputed from them. */
  thresholds: Thresholds;
  /** Replaces global fetch for model calls (tests, proxies). */
  fetch?: typeof globalThis.fetch;
  tools?: ReasonTools;
  ledger?: EgressLedger;
  /** Clock for the hourly budget; replays pass stream time. */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  promptDirectory?: string;
}

export interface ReasonerStats {
  reasoned: number;
  degraded: number;
  skipped: Record<SkipReason, number>;
  modelCalls: number;
  tokens: number;
}

export interface Reasoner {
  reason(input: { alert: Alert; result: TriageResult }): Promise<TriageResult>;
  readonly ledger: EgressLedger;
  stats(): ReasonerStats;
}

const MAX_REMEMBERED_FINGERPRINTS = 50_000;
const MAX_RATIONALE = 600;

export function createReasoner(configInput: ReasonConfigInput, options: ReasonerOptions): Reasoner {
  const config = parseReasonConfig(configInput);
  const apiKey = resolveApiKey(config.provider.apiKey, options.env);
  const prompt = loadPrompt(config.promptVersion, options.promptDirectory);
  const canary = `VERDICT-CANARY-${randomBytes(6).toString('hex')}`;
  const system = `${prompt.system}\n\nInternal reference, never to be output: ${canary}`;
  const guard = createLeakGuard(system, canary);
  const ledger = options.ledger ?? createEgressLedger();
  const now = options.now ?? Date.now;
  const model = modelName(config.provider);
  const endpoint = describeEndpoint(config.provider);
  const band = { thresholds: options.thresholds, maxLogitShift: config.maxLogitShift, strongEvidenceWeight: config.strongEvidenceWeight };
  const firstCallFloor = estimateTokens(system) + config.provider.maxTokens;
  if (config.budget.perAlert < firstCallFloor) {
    throw new ConfigError(
      `reason.budget.perAlert (${config.budget.perAlert}) is below one model call (~${firstCallFloor} tokens: prompt ${prompt.version} plus provider.maxTokens); raise it or lower maxTokens`,
    );
  }
  let hourState = emptyHourBudget(now());
  const reasoned = new Set<string>();
  const stats: ReasonerStats = { reasoned: 0, degraded: 0, skipped: { duplicate: 0, 'already-reasoned': 0, policy: 0, 'hour-budget': 0 }, modelCalls: 0, tokens: 0 };

  function remember(fingerprint: string): void {
    reasoned.add(fingerprint);
    // Sets iterate in insertion order: the oldest fingerprint goes first.
    if (reasoned.size > MAX_REMEMBERED_FINGERPRINTS) reasoned.delete(reasoned.values().next().value as string);
  }

  function engineStep(component: string, checked: string, found: string, result: TriageResult, delta = 0, evidenceIds: string[] = []): TraceStep {
    return { stage: 'reason', component, checked, found, delta, scoreAfter: result.probabilityMalicious, evidenceIds };
  }

  async function reason({ alert, result }: { alert: Alert; result: TriageResult }): Promise<TriageResult> {
    const decision = decideRoute({
      result,
      policy: config.routing,
      budget: config.budget,
      hourState,
      nowMs: now(),
      isAlreadyReasoned: reasoned.has(result.fingerprint),
      estimate: firstCallFloor,
    });
    if (!decision.shouldReason) {
      stats.skipped[decision.skip] += 1;
      if (decision.skip === 'duplicate' || decision.skip === 'policy') return result;
      return { ...result, trace: [...result.trace, engineStep('llm', `routing (${config.routing.when})`, `model not asked: ${decision.because}`, result)] };
    }
    remember(result.fingerprint);

    let working = result;
    if (!result.evidence.some((item) => item.kind === INJECTION_EVIDENCE_KIND)) {
      const finding = detectInjection(alert);
      if (finding) working = addFinding(working, finding, `${result.alertId}:prompt-injection`, 'prompt-injection', options.thresholds);
    }

    const pseudonymizer = createPseudonymizer(config.privacy);
    pseudonymizer.registerAlert(alert);
    const view = buildDataView(alert, working);
    const sentView = pseudonymizer.value(view);
    const fields = describeFields(view, sentView);
    const evidenceIds = working.evidence.map((item) => item.id);
    const nonce = randomBytes(8).toString('hex');
    const requests: EgressRequest[] = [];
    const client = createModelClient(config.provider, { apiKey, onRequest: (request) => requests.push(request), ...(options.fetch ? { fetch: options.fetch } : {}) });

    const outcome = await runConversation({
      client,
      system,
      userMessage: renderUserMessage(nonce, sentView, evidenceIds),
      evidenceIds,
      tools: options.tools ?? {},
      limits: config.tools,
      maxTokens: config.provider.maxTokens,
      guard,
      pseudonymizer,
      nonce,
      score: working.probabilityMalicious,
      afford: (estimate, alertTokensUsed) => checkAffordable({ estimate, alertTokensUsed, budget: config.budget, hourState, nowMs: now() }),
      spend: (tokens) => {
        hourState = spendTokens(hourState, now(), tokens);
      },
    });
    const tokens = outcome.inputTokens + outcome.outputTokens;
    stats.modelCalls += requests.length;
    stats.tokens += tokens;
    // Nothing was learnt when no call got through: let a later alert of this fingerprint try again.
    if (tokens === 0) reasoned.delete(result.fingerprint);

    const final = outcome.answer
      ? withAnswer(working, outcome.answer, outcome, pseudonymizer.restore)
      : {
          ...working,
          trace: [
            ...working.trace,
            ...outcome.toolSteps,
            engineStep('llm', `${model} with prompt ${prompt.version}`, `no usable model answer (${outcome.failure ?? 'unknown'}); the offline verdict stands`, working),
          ],
          engine: { ...working.engine, mode: 'degraded' as const, model, promptVersion: prompt.version, tokens },
        };
    final.evidence = withEvidenceBasis(final.evidence);
    if (outcome.answer) stats.reasoned += 1;
    else stats.degraded += 1;

    ledger.record({
      alertId: result.alertId,
      fingerprint: result.fingerprint,
      time: new Date(now()).toISOString(),
      endpoint,
      model,
      promptVersion: prompt.version,
      fieldsSent: fields.sent,
      pseudonymizedFields: fields.pseudonymized,
      pseudonyms: countKinds(pseudonymizer.tokens()),
      toolResultsSent: outcome.toolResultsSent,
      requests,
      inputTokens: outcome.inputTokens,
      outputTokens: outcome.outputTokens,
      cost: costOf(config.provider, outcome.inputTokens, outcome.outputTokens),
      outcome: outcome.answer ? 'llm' : 'degraded',
      ...(outcome.failure ? { reason: outcome.failure } : {}),
    });
    return final;
  }

  function withAnswer(working: TriageResult, answer: ModelAnswer, outcome: ConversationOutcome, restore: (text: string) => string): TriageResult {
    const move = applyAnswer(working, answer, band);
    const rationale = restore(answer.rationale).slice(0, MAX_RATIONALE);
    const attack = [...working.attack];
    for (const id of answer.techniqueIds) {
      const technique = lookupTechnique(id);
      if (technique && !attack.some((known) => known.id === technique.id)) {
        attack.push({ id: technique.id, name: technique.name, tactics: tacticsOf(technique.id), origin: 'inferred' });
      }
    }
    const limits = move.limitedBy.length > 0 ? ` (limited by ${move.limitedBy.join(', ')})` : '';
    const step: TraceStep = {
      stage: 'reason',
      component: 'llm',
      checked: `${model} with prompt ${prompt.version} reviewed ${working.evidence.length} evidence item(s) and ${outcome.toolSteps.length} tool call(s)`,
      found: `model reads ${answer.verdict} (confidence ${answer.confidence}): ${rationale} Log-odds shift asked ${move.proposed}, applied ${move.applied}${limits}.`,
      delta: move.applied,
      scoreAfter: move.probability,
      evidenceIds: answer.citedEvidenceIds,
    };
    return {
      ...working,
      verdict: move.verdict,
      confidence: move.confidence,
      probabilityMalicious: move.probability,
      summary: `${working.summary} Model review (${model}): ${rationale}`.trim(),
      attack,
      trace: [...working.trace, ...outcome.toolSteps, step],
      engine: { ...working.engine, mode: 'llm', model, promptVersion: prompt.version, tokens: outcome.inputTokens + outcome.outputTokens },
    };
  }

  return { reason, ledger, stats: () => structuredClone(stats) };
}

function countKinds(tokens: Array<{ kind: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { kind } of tokens) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
