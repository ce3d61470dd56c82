import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import type { ReasonConfigInput } from '../../core/reason/reason-config.js';
import { createRuntime, type VerdictRuntime } from '../../core/runtime/runtime.js';
import { startOpenAIEmulator, type OpenAIEmulator, type RecordedRequest, type ScriptedReply } from '../emulators/openai/openai-emulator.js';

export const TEST_KEY = 'sk-test-verdict-9f8e7d6c5b4a';
export const TEST_ENV = { VERDICT_TEST_KEY: TEST_KEY };

export function reasonConfig(emulator: OpenAIEmulator, overrides: Partial<ReasonConfigInput> = {}): ReasonConfigInput {
  const { provider, ...rest } = overrides;
  return {
    provider: {
      baseURL: emulator.baseURL,
      model: 'gpt-test',
      apiKey: { env: 'VERDICT_TEST_KEY' },
      timeoutMs: 2_000,
      maxRetries: 2,
      pricePer1kInput: 0.5,
      pricePer1kOutput: 1.5,
      ...provider,
    },
    ...rest,
  };
}

export interface AnswerFields {
  verdict: string;
  confidence: number;
  rationale?: string;
  citedEvidenceIds?: string[];
  techniqueIds?: string[];
  [extra: string]: unknown;
}

export function answer(fields: AnswerFields): ScriptedReply {
  return {
    kind: 'answer',
    content: { rationale: 'The cited evidence supports this reading.', citedEvidenceIds: ['ev-1'], techniqueIds: [], ...fields },
  };
}

interface Message {
  role: string;
  content: string | null;
  tool_calls?: unknown[];
}

export function messagesOf(request: RecordedRequest): Message[] {
  return (request.body as { messages: Message[] }).messages;
}

/** The evidence ids the reasoner told the model it may cite (from the first user message). */
export function citableIds(request: RecordedRequest): string[] {
  const user = messagesOf(request).find((message) => message.role === 'user')?.content ?? '';
  const line = /Evidence ids you may cite: (.*)\./.exec(user)?.[1] ?? '';
  return line === '(none)' ? [] : line.split(', ');
}

export function hasTools(request: RecordedRequest): boolean {
  return Array.isArray((request.body as { tools?: unknown[] }).tools);
}

export function toolMessages(request: RecordedRequest): Message[] {
  return messagesOf(request).filter((message) => message.role === 'tool');
}

/** Seven-word runs of the system prompt, to look for it in stored output. */
export function promptShingles(systemPrompt: string): string[] {
  const words = systemPrompt
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, ' ')
    .trim()
    .split(' ');
  const shingles: string[] = [];
  for (let index = 0; index + 7 <= words.length; index += 3) shingles.push(words.slice(index, index + 7).join(' '));
  return shingles;
}

export function normalizedWords(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_]+/g, ' ');
}

/**
 * One OpenAI emulator for a test file: started before its tests, reset before each (then `onEach`
 * scripts it), closed after. The returned object forwards to the running emulator.
 */
export function useOpenAIEmulator(onEach?: (emulator: OpenAIEmulator) => void): OpenAIEmulator {
  let running: OpenAIEmulator | undefined;
  beforeAll(async () => {
    running = await startOpenAIEmulator({ apiKey: TEST_KEY });
  });
  afterAll(() => running?.close());
  beforeEach(() => {
    running!.reset();
    onEach?.(running!);
  });
  return new Proxy({} as OpenAIEmulator, {
    get: (_target, key) => {
      if (!running) throw new Error('the OpenAI emulator starts in beforeAll: use it inside tests and hooks');
      return running[key as keyof OpenAIEmulator];
    },
  });
}

/**
 * A runtime with the LLM stage for a test file: an OpenAI emulator and a SQLite store in a temp
 * home, started before its tests and closed after; `reason` overrides the reasoning config. The
 * returned object holds both once the tests run.
 */
export function useReasoningRuntime(reason: Partial<ReasonConfigInput> = {}): { emulator: OpenAIEmulator; runtime: VerdictRuntime } {
  const running = {} as { emulator: OpenAIEmulator; runtime: VerdictRuntime };
  let home: string | undefined;
  beforeAll(async () => {
    running.emulator = await startOpenAIEmulator({ apiKey: TEST_KEY });
    home = mkdtempSync(path.join(tmpdir(), 'verdict-runtime-reason-'));
    process.env.VERDICT_TEST_KEY = TEST_KEY;
    const config = VerdictConfigSchema.parse({ store: { kind: 'sqlite', path: path.join(home, 'verdict.db') }, reason: reasonConfig(running.emulator, reason) });
    running.runtime = await createRuntime({ config, baseDir: home, file: undefined, home });
  });
  afterAll(async () => {
    await running.runtime?.close();
    await running.emulator?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    delete process.env.VERDICT_TEST_KEY;
  });
  return running;
}
