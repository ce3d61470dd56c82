import OpenAI, { AzureOpenAI } from 'openai';
import { VerdictError } from '../spec/errors.js';
import { digestOf, type EgressRequest } from './egress-ledger.js';
import type { ReasonProvider } from './reason-config.js';

/**
 * The only file that talks to a model. Follows the Chat Completions API
 * (https://platform.openai.com/docs/api-reference/chat/create) through the `openai` package, which
 * also serves Azure OpenAI (AzureOpenAI, deployment URLs + api-version) and OpenAI-compatible
 * servers (vLLM, Ollama, LM Studio) by baseURL. Retries of 429 / 5xx / timeouts with back-off
 * (Retry-After honoured) are the client's, capped by `maxRetries`.
 */

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ModelRequest {
  messages: ChatMessage[];
  tools?: Array<{ type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }>;
  responseFormat: { type: 'json_schema'; json_schema: { name: string; strict: boolean; schema: Record<string, unknown> } };
}

export interface ModelReply {
  content: string | null;
  toolCalls: ToolCall[];
  inputTokens: number;
  outputTokens: number;
  finishReason: string;
}

/** The model could not be reached or refused the request; the caller degrades to offline. */
export class ModelUnavailableError extends VerdictError {
  readonly statusCode: number | undefined;
  constructor(message: string, options: { statusCode?: number; cause?: unknown; isRetryable?: boolean } = {}) {
    super(message, { cause: options.cause, isRetryable: options.isRetryable ?? true });
    this.name = 'ModelUnavailableError';
    this.statusCode = options.statusCode;
  }
}

export interface ModelClient {
  complete(request: ModelRequest): Promise<ModelReply>;
}

/** Rough token count (4 characters a token) for budgets before a call; usage replaces it after. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function createModelClient(provider: ReasonProvider, options: { apiKey: string | undefined; fetch?: typeof globalThis.fetch; onRequest: (request: EgressRequest) => void }): ModelClient {
  const baseFetch = options.fetch ?? globalThis.fetch;
  // Every body that leaves is measured here, retries included, for the egress ledger.
  const recordingFetch: typeof globalThis.fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : '';
    const entry = { bodyDigest: digestOf(body), bytes: Buffer.byteLength(body) };
    try {
      const response = await baseFetch(input, init);
      options.onRequest({ ...entry, status: response.status });
      return response;
    } catch (error) {
      options.onRequest({ ...entry, status: 0 });
      throw error;
    }
  };
  const common = { timeout: provider.timeoutMs, maxRetries: provider.maxRetries, fetch: recordingFetch };
  // Local servers accept any key; the client insists on one being set.
  const apiKey = options.apiKey ?? 'not-needed';
  const client = provider.azure
    ? new AzureOpenAI({ ...common, apiKey, endpoint: provider.baseURL, deployment: provider.azure.deployment, apiVersion: provider.azure.apiVersion })
    : new OpenAI({ ...common, apiKey, baseURL: provider.baseURL });

  return {
    async complete(request) {
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create({
          model: provider.model,
          messages: request.messages,
          [provider.tokenLimitParameter]: provider.maxTokens,
          ...(provider.temperature === null ? {} : { temperature: provider.temperature }),
          response_format: request.responseFormat,
          ...(request.tools && request.tools.length > 0 ? { tools: request.tools, tool_choice: 'auto' as const, parallel_tool_calls: true } : {}),
        });
      } catch (error) {
        throw toUnavailable(error);
      }
      const choice = completion.choices?.[0];
      const message = choice?.message;
      const toolCalls = (message?.tool_calls ?? []).flatMap((call) =>
        call.type === 'function' ? [{ id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: call.function.arguments } }] : [],
      );
      const content = message?.content ?? null;
      return {
        content,
        toolCalls,
        inputTokens: completion.usage?.prompt_tokens ?? estimateTokens(JSON.stringify(request.messages)),
        outputTokens: completion.usage?.completion_tokens ?? estimateTokens((content ?? '') + JSON.stringify(toolCalls)),
        finishReason: choice?.finish_reason ?? 'unknown',
      };
    },
  };
}

function toUnavailable(error: unknown): ModelUnavailableError {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new ModelUnavailableError('the model timed out (after retries)', { cause: error });
  if (error instanceof OpenAI.APIConnectionError) return new ModelUnavailableError('the model endpoint could not be reached (after retries)', { cause: error });
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const hint = status === 401 || status === 403 ? ': check reason.provider.apiKey' : status === 404 ? ': check reason.provider.model and baseURL' : status === 429 ? ': rate limited' : '';
    return new ModelUnavailableError(`the model endpoint answered HTTP ${status ?? '?'}${hint}`, {
      statusCode: status,
      cause: error,
      isRetryable: status === undefined || status === 429 || status >= 500,
    });
  }
  return new ModelUnavailableError('the model call failed', { cause: error });
}
