import { createHash } from 'node:crypto';

/**
 * Runs an exported Tines story the way Tines runs its actions, for the parts the Verdict story
 * uses: a webhook event enters, each linked action runs on its source's event. HTTP Request
 * actions send real requests (url, method, content_type json, headers, payload), retry when the
 * status matches retry_on_status (regular expressions), and emit {status, headers, body} — on a
 * failure too when emit_failure_event is set. Event Transformation (message_only) emits its
 * payload. Formulas: `<<path>>` (a value that is one pill keeps its type), and the Tines functions
 * SHA256() and TO_JSON() (a function Tines does not have is an error, as it is in Tines).
 */
export interface TinesRun {
  events: Record<string, any>;
  requests: Array<{ url: string; method: string; headers: Record<string, string>; body: string; status: number }>;
}

export interface TinesEnvironment {
  resources: Record<string, unknown>;
  credentials: Record<string, string>;
  /** Most attempts of one HTTP Request action. */
  maxAttempts?: number;
}

export async function runTinesStory(story: any, webhookBody: unknown, environment: TinesEnvironment): Promise<TinesRun> {
  const agents = story.agents as any[];
  const events: Record<string, any> = {};
  const requests: TinesRun['requests'] = [];
  const entry = agents.findIndex((agent) => agent.type === 'Agents::WebhookAgent');
  if (entry < 0) throw new Error('the story has no webhook');
  const scope = () => ({ ...events, RESOURCE: environment.resources, CREDENTIAL: environment.credentials });
  events[key(agents[entry].name)] = { body: webhookBody };
  const queue = [entry];
  while (queue.length > 0) {
    const source = queue.shift()!;
    for (const link of story.links as Array<{ source: number; receiver: number }>) {
      if (link.source !== source) continue;
      const agent = agents[link.receiver];
      const emitted = await runAgent(agent, scope(), environment, requests);
      if (emitted === undefined) continue;
      events[key(agent.name)] = emitted;
      queue.push(link.receiver);
    }
  }
  return { events, requests };
}

async function runAgent(agent: any, scope: Record<string, unknown>, environment: TinesEnvironment, requests: TinesRun['requests']): Promise<unknown> {
  if (agent.type === 'Agents::EventTransformationAgent') {
    if (agent.options.mode !== 'message_only') throw new Error(`transform mode ${agent.options.mode} is not supported by this runner`);
    return evaluate(agent.options.payload, scope);
  }
  if (agent.type !== 'Agents::HTTPRequestAgent') throw new Error(`${agent.type} is not supported by this runner`);
  const options = agent.options;
  const url = String(evaluate(options.url, scope));
  const headers = Object.fromEntries(Object.entries(evaluate(options.headers ?? {}, scope) as Record<string, unknown>).map(([name, value]) => [name, String(value)]));
  if (options.content_type === 'json') headers['Content-Type'] = 'application/json';
  const body = JSON.stringify(evaluate(options.payload, scope));
  const retryOn = ((options.retry_on_status ?? []) as string[]).map((pattern) => new RegExp(`^(?:${pattern})$`));
  const maxAttempts = environment.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, { method: String(options.method).toUpperCase(), headers, body, redirect: 'manual' });
    const text = await response.text();
    requests.push({ url, method: String(options.method).toUpperCase(), headers, body, status: response.status });
    const retry = retryOn.some((pattern) => pattern.test(String(response.status)));
    if (retry && attempt < maxAttempts) {
      const wait = Math.min(Number(response.headers.get('retry-after') ?? '0') || 0.05 * attempt, 2);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      continue;
    }
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Tines keeps a body that is not JSON as text.
    }
    const event = { status: response.status, headers: Object.fromEntries(response.headers), body: parsed };
    if (response.status >= 400 && !options.emit_failure_event) return undefined;
    return event;
  }
}

/** Tines refers to an action's events by its name in snake case. */
function key(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

function evaluate(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^<<([^<>]+)>>$/.exec(value);
    if (whole) return formula(whole[1]!.trim(), scope);
    return value.replace(/<<([^<>]+)>>/g, (_match, expression: string) => {
      const result = formula(expression.trim(), scope);
      return result === undefined || result === null ? '' : typeof result === 'object' ? JSON.stringify(result) : String(result);
    });
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, evaluate(item, scope)]));
  return value;
}

function formula(expression: string, scope: Record<string, unknown>): unknown {
  const call = /^([A-Z0-9_]+)\((.*)\)$/.exec(expression);
  if (call) {
    const argument = formula(call[2]!.trim(), scope);
    if (call[1] === 'SHA256') return createHash('sha256').update(String(argument)).digest('hex');
    if (call[1] === 'TO_JSON') return JSON.stringify(argument);
    throw new Error(`formula function ${call[1]} is not supported by this runner`);
  }
  let current: unknown = scope;
  for (const part of expression.match(/[^.[\]]+/g) ?? []) {
    if (current === null || current === undefined) return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current ?? null;
}
