/**
 * Request checks and response bodies of POST /chat/completions, following the API reference
 * (https://platform.openai.com/docs/api-reference/chat/create) and the Structured Outputs rules
 * for `strict` schemas (every property required, additionalProperties false). No OpenAI spec is
 * in ../shared/specs; the checks cover what Verdict sends and what real servers reject.
 */

export interface ScriptedToolCall {
  name: string;
  arguments: string | Record<string, unknown>;
  id?: string;
}

export type ScriptedReply =
  | { kind: 'answer'; content: string | Record<string, unknown>; promptTokens?: number; completionTokens?: number; omitUsage?: boolean }
  | { kind: 'tool_calls'; calls: ScriptedToolCall[]; content?: string; promptTokens?: number; completionTokens?: number }
  | { kind: 'error'; status: number; message?: string; retryAfterMs?: number; retryAfterSeconds?: number }
  /** Wait before replying (longer than the client timeout to provoke one). */
  | { kind: 'delay'; ms: number; then: ScriptedReply }
  /** Close the connection without an answer. */
  | { kind: 'disconnect' };

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The first problem a real server would reject the body for, as [param, message]; undefined when valid. */
export function findRequestProblem(body: unknown, isDeployment: boolean): [string, string] | undefined {
  if (!isObject(body)) return ['body', 'We could not parse the JSON body of your request.'];
  if (!isDeployment && typeof body.model !== 'string') return ['model', 'you must provide a model parameter'];
  if (!Array.isArray(body.messages) || body.messages.length === 0) return ['messages', "'messages' must be a non-empty array"];
  const pendingToolCalls = new Set<string>();
  for (const [index, message] of body.messages.entries()) {
    if (!isObject(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) return [`messages[${index}].role`, 'invalid role'];
    if (message.role !== 'tool' && pendingToolCalls.size > 0) {
      return [`messages[${index}]`, "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'."];
    }
    if (message.role === 'tool') {
      if (typeof message.tool_call_id !== 'string' || !pendingToolCalls.delete(message.tool_call_id)) {
        return [`messages[${index}].tool_call_id`, "Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'."];
      }
    }
    if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) if (isObject(call) && typeof call.id === 'string') pendingToolCalls.add(call.id);
    }
  }
  if (pendingToolCalls.size > 0) return ['messages', "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'."];
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return ['tools', 'tools must be an array'];
    for (const [index, tool] of body.tools.entries()) {
      if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) return [`tools[${index}]`, "tools must be of type 'function'"];
      if (typeof tool.function.name !== 'string' || !NAME.test(tool.function.name)) return [`tools[${index}].function.name`, "string does not match pattern '^[a-zA-Z0-9_-]{1,64}$'"];
    }
  }
  const format = body.response_format;
  if (format !== undefined) {
    if (!isObject(format)) return ['response_format', 'response_format must be an object'];
    if (format.type === 'json_schema') {
      const spec = format.json_schema;
      if (!isObject(spec) || typeof spec.name !== 'string' || !NAME.test(spec.name)) return ['response_format.json_schema.name', 'a name matching ^[a-zA-Z0-9_-]{1,64}$ is required'];
      if (!isObject(spec.schema)) return ['response_format.json_schema.schema', 'schema must be an object'];
      if (spec.strict === true) {
        const problem = strictSchemaProblem(spec.schema, 'schema');
        if (problem) return ['response_format', `Invalid schema for response_format '${spec.name}': ${problem}`];
      }
    } else if (format.type !== 'text' && format.type !== 'json_object') return ['response_format.type', 'invalid type'];
  }
  return undefined;
}

/** Structured Outputs strict mode: objects list every property as required and forbid extras. */
function strictSchemaProblem(schema: unknown, path: string): string | undefined {
  if (!isObject(schema)) return undefined;
  if (schema.type === 'object') {
    const properties = isObject(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? schema.required : [];
    if (schema.additionalProperties !== false) return `In context=(${path}), 'additionalProperties' is required to be supplied and to be false.`;
    const missing = properties.filter((name) => !required.includes(name));
    if (missing.length > 0) return `In context=(${path}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    for (const name of properties) {
      const problem = strictSchemaProblem((schema.properties as Json)[name], `${path}, 'properties', '${name}'`);
      if (problem) return problem;
    }
  }
  if (schema.type === 'array') return strictSchemaProblem(schema.items, `${path}, 'items'`);
  return undefined;
}

export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function toolCallsOf(reply: Extract<ScriptedReply, { kind: 'tool_calls' }>, sequence: number): Json[] {
  return reply.calls.map((call, index) => ({
    id: call.id ?? `call_emu_${sequence}_${index}`,
    type: 'function',
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));
}

export interface BuiltCompletion {
  content: string | null;
  toolCalls: Json[] | undefined;
  finishReason: 'stop' | 'tool_calls';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined;
}

export function buildCompletion(reply: Extract<ScriptedReply, { kind: 'answer' | 'tool_calls' }>, requestBody: Json, sequence: number): BuiltCompletion {
  const promptTokens = reply.promptTokens ?? countTokens(JSON.stringify(requestBody.messages ?? []) + JSON.stringify(requestBody.tools ?? []));
  if (reply.kind === 'answer') {
    const content = typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content);
    const completionTokens = reply.completionTokens ?? countTokens(content);
    return {
      content,
      toolCalls: undefined,
      finishReason: 'stop',
      usage: reply.omitUsage ? undefined : { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
  }
  const toolCalls = toolCallsOf(reply, sequence);
  const completionTokens = reply.completionTokens ?? countTokens(JSON.stringify(toolCalls));
  return {
    content: reply.content ?? null,
    toolCalls,
    finishReason: 'tool_calls',
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

export function completionBody(built: BuiltCompletion, model: string, sequence: number): Json {
  return {
    id: `chatcmpl-emu-${sequence}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: built.content, refusal: null, ...(built.toolCalls ? { tool_calls: built.toolCalls } : {}) },
        logprobs: null,
        finish_reason: built.finishReason,
      },
    ],
    ...(built.usage ? { usage: built.usage } : {}),
  };
}

/** `chat.completion.chunk` events for a streamed reply, in the order the API sends them. */
export function completionChunks(built: BuiltCompletion, model: string, sequence: number, includeUsage: boolean): Json[] {
  const base = { id: `chatcmpl-emu-${sequence}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
  const chunk = (delta: Json, finishReason: string | null = null): Json => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  const chunks: Json[] = [chunk({ role: 'assistant', content: built.toolCalls ? null : '' })];
  if (built.content) for (let start = 0; start < built.content.length; start += 16) chunks.push(chunk({ content: built.content.slice(start, start + 16) }));
  built.toolCalls?.forEach((call, index) => {
    const fn = call.function as { name: string; arguments: string };
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: fn.name, arguments: '' } }] }));
    for (let start = 0; start < fn.arguments.length; start += 16) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: fn.arguments.slice(start, start + 16) } }] }));
    }
  });
  chunks.push(chunk({}, built.finishReason));
  if (includeUsage && built.usage) chunks.push({ ...base, choices: [], usage: built.usage });
  return chunks;
}
