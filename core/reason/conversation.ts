import type { TraceStep } from '../spec/result.js';
import { renderRepairMessage, wrapData } from './data-block.js';
import type { EgressRecord } from './egress-ledger.js';
import { answerResponseFormat, checkAnswer, type LeakGuard, type ModelAnswer } from './model-answer.js';
import { estimateTokens, type ChatMessage, type ModelClient, type ModelRequest } from './model-client.js';
import type { Pseudonymizer } from './pseudonymize.js';
import type { ReasonConfig } from './reason-config.js';
import { runToolCall, toolDefinitions, type ReasonTools } from './reason-tools.js';

/**
 * One verdict's exchange with the model: at most `maxSteps` tool turns, then an answer, then at
 * most one repair. Every call is priced against the per-alert and per-hour budgets before it is
 * made. Never throws for model trouble: it reports why there is no answer.
 */
export interface ConversationSetup {
  client: ModelClient;
  system: string;
  userMessage: string;
  evidenceIds: readonly string[];
  tools: ReasonTools;
  limits: ReasonConfig['tools'];
  maxTokens: number;
  guard: LeakGuard;
  pseudonymizer: Pseudonymizer;
  nonce: string;
  /** probabilityMalicious while tools run (they do not move it), for their trace steps. */
  score: number;
  afford(estimate: number, alertTokensUsed: number): 'ok' | 'alert-budget' | 'hour-budget';
  spend(tokens: number): void;
}

export interface ConversationOutcome {
  answer?: ModelAnswer;
  failure?: string;
  inputTokens: number;
  outputTokens: number;
  modelCalls: number;
  toolSteps: TraceStep[];
  toolResultsSent: EgressRecord['toolResultsSent'];
}

const RESPONSE_FORMAT = answerResponseFormat();

export async function runConversation(setup: ConversationSetup): Promise<ConversationOutcome> {
  const { limits, pseudonymizer } = setup;
  const outcome: ConversationOutcome = { inputTokens: 0, outputTokens: 0, modelCalls: 0, toolSteps: [], toolResultsSent: [] };
  const messages: ChatMessage[] = [
    { role: 'system', content: setup.system },
    { role: 'user', content: setup.userMessage },
  ];
  const definitions = toolDefinitions(setup.tools);
  let toolTurns = 0;
  let hasRepaired = false;

  for (;;) {
    const shouldOfferTools = definitions.length > 0 && toolTurns < limits.maxSteps && !hasRepaired;
    const request: ModelRequest = { messages, responseFormat: RESPONSE_FORMAT, ...(shouldOfferTools ? { tools: definitions } : {}) };
    const estimate = estimateTokens(JSON.stringify(request)) + setup.maxTokens;
    const affordable = setup.afford(estimate, outcome.inputTokens + outcome.outputTokens);
    if (affordable !== 'ok') {
      return { ...outcome, failure: affordable === 'alert-budget' ? `the next call (~${estimate} tokens) would exceed the per-alert token budget` : 'the hourly token budget is spent' };
    }
    let reply;
    try {
      outcome.modelCalls += 1;
      reply = await setup.client.complete(request);
    } catch (error) {
      return { ...outcome, failure: error instanceof Error ? error.message : 'the model call failed' };
    }
    outcome.inputTokens += reply.inputTokens;
    outcome.outputTokens += reply.outputTokens;
    setup.spend(reply.inputTokens + reply.outputTokens);

    if (reply.toolCalls.length > 0 && shouldOfferTools) {
      toolTurns += 1;
      const calls = reply.toolCalls.map((call, index) => ({ ...call, id: call.id || `call_${toolTurns}_${index}` }));
      messages.push({ role: 'assistant', content: reply.content, tool_calls: calls });
      const results = await Promise.all(
        calls.map(async (call, index) => {
          if (index >= limits.maxCallsPerStep) return { call, content: wrapData('TOOL_RESULT', setup.nonce, { error: `at most ${limits.maxCallsPerStep} tool calls per turn` }) };
          const result = await runToolCall(call.function.name, call.function.arguments, setup.tools, { ...limits, maxResults: 50 }, pseudonymizer.restoreValue);
          const label = `${call.function.name.slice(0, 60)}#${toolTurns}.${index + 1}`;
          outcome.toolSteps.push({
            stage: 'reason',
            component: `tool:${call.function.name.slice(0, 60)}`,
            checked: `${call.function.name.slice(0, 60)} ${result.argumentsText}`,
            found: result.error
              ? `failed: ${result.error}`
              : `${result.chars} chars, sha256 ${result.digest.slice(0, 16)}${result.isCut ? `; cut to ${limits.maxResultChars} chars for the model` : ''}`,
            delta: 0,
            scoreAfter: setup.score,
            evidenceIds: [],
          });
          if (!result.error) outcome.toolResultsSent.push({ call: label, digest: result.digest, chars: Math.min(result.chars, limits.maxResultChars) });
          return { call, content: wrapData('TOOL_RESULT', setup.nonce, pseudonymizer.value(result.payload)) };
        }),
      );
      for (const { call, content } of results) messages.push({ role: 'tool', tool_call_id: call.id, content });
      continue;
    }

    const check =
      reply.toolCalls.length > 0 ? { ok: false as const, issues: ['tools are no longer offered; answer with the JSON object'] } : checkAnswer(reply.content, setup.evidenceIds, setup.guard);
    if (check.ok) return { ...outcome, answer: check.answer };
    if (hasRepaired) return { ...outcome, failure: `the answer was still unusable after one repair (${check.issues.join('; ')})` };
    hasRepaired = true;
    messages.push({ role: 'assistant', content: reply.content ?? '' });
    messages.push({ role: 'user', content: renderRepairMessage(check.issues, setup.evidenceIds) });
  }
}
