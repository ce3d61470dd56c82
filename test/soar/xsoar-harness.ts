import { execFileSync } from 'node:child_process';
import vm from 'node:vm';

/**
 * Runs the built XSOAR integration script the way XSOAR's JavaScript engine does: as a function
 * body in a context holding only the engine's built-ins — `demisto` (args, params, command,
 * incidents, getLastRun/setLastRun), synchronous `http(url, request, insecure, proxy)`, `entryTypes`
 * and `formats` — no `require`, no `fetch`, no timers. `http` is real: each call is made from a
 * child process (XSOAR's is synchronous; a Node script cannot wait for its own event loop).
 */
export interface XsoarRun {
  /** The script's return value: 'ok', an entry, or undefined (fetch-incidents). */
  result: any;
  incidents: any[] | undefined;
  lastRun: Record<string, unknown>;
  requests: Array<{ url: string; method: string; headers: Record<string, string[]>; body: string | undefined; status: number }>;
}

export interface XsoarInvocation {
  command: string;
  args?: Record<string, unknown>;
  params: Record<string, unknown>;
  lastRun?: Record<string, unknown>;
}

const FETCH_CHILD = `
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const { url, request } = JSON.parse(input);
  const headers = {};
  for (const [name, values] of Object.entries(request.Headers || {})) headers[name] = values.join(', ');
  try {
    const response = await fetch(url, { method: request.Method, headers, body: request.Body, redirect: 'manual' });
    const responseHeaders = {};
    response.headers.forEach((value, name) => (responseHeaders[name] = [value]));
    process.stdout.write(JSON.stringify({ StatusCode: response.status, Status: response.status + ' ' + response.statusText, Body: await response.text(), Headers: responseHeaders }));
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error && error.cause ? error.cause.message : error) }));
  }
});`;

export function runXsoarScript(script: string, invocation: XsoarInvocation): XsoarRun {
  const requests: XsoarRun['requests'] = [];
  let incidents: any[] | undefined;
  let lastRun = invocation.lastRun ?? {};
  const http = (url: string, request: { Method: string; Headers: Record<string, string[]>; Body?: string }, insecure: boolean, proxy: boolean) => {
    if (typeof url !== 'string' || typeof request?.Method !== 'string' || typeof insecure !== 'boolean' || typeof proxy !== 'boolean') {
      throw new Error('http(url, {Method, Headers, Body}, insecure, useProxy): wrong arguments');
    }
    for (const [name, values] of Object.entries(request.Headers ?? {})) {
      if (!Array.isArray(values)) throw new Error(`http(): header ${name} must be an array of strings, as XSOAR takes them`);
    }
    const output = JSON.parse(execFileSync(process.execPath, ['-e', FETCH_CHILD], { input: JSON.stringify({ url, request }), encoding: 'utf8', timeout: 60_000 }));
    if (output.error) throw new Error(`http(): ${output.error}`);
    requests.push({ url, method: request.Method, headers: request.Headers, body: request.Body, status: output.StatusCode });
    return output;
  };
  // Values cross into the context as JSON, the way the engine hands them over.
  const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? {}));
  const demisto = {
    args: () => plain(invocation.args ?? {}),
    params: () => plain(invocation.params),
    command: () => invocation.command,
    incidents: (value: any[]) => {
      incidents = plain(value);
    },
    getLastRun: () => plain(lastRun),
    setLastRun: (value: Record<string, unknown>) => {
      lastRun = plain(value);
    },
    debug: () => undefined,
  };
  const context = vm.createContext({ demisto, http, entryTypes: { note: 1, error: 4 }, formats: { json: 'json', markdown: 'markdown', text: 'text' } });
  const result = new vm.Script(`(function () {\n${script}\n})()`, { filename: 'Verdict.yml#script' }).runInContext(context, { timeout: 120_000 });
  return { result: result === undefined ? undefined : plain(result), incidents, lastRun, requests };
}
