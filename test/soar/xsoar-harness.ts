import vm from 'node:vm';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * Runs the built XSOAR integration script the way XSOAR's JavaScript engine does: as a function
 * body in a context holding only the engine's built-ins — `demisto` (args, params, command,
 * incidents, getLastRun/setLastRun), synchronous `http(url, request, insecure, proxy)`, `entryTypes`
 * and `formats` — no `require`, no `fetch`, no timers. `http` is real and synchronous, as XSOAR's
 * is: a worker thread makes the request while this thread blocks on Atomics.wait (so the service
 * must live in another process or thread, as `verdict serve` in a child process does). The
 * engine is ES5 (otto): the context loses every later built-in (Promise, Map, Object.assign,
 * Array.prototype.includes, …) and every value crosses into it as the context's own objects, so a
 * script that leans on a newer built-in fails here as it would in XSOAR.
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

const FETCH_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ signal, port, url, request }) => {
  let result;
  const headers = {};
  for (const [name, values] of Object.entries(request.Headers || {})) headers[name] = values.join(', ');
  try {
    const response = await fetch(url, { method: request.Method, headers, body: request.Body, redirect: 'manual', signal: AbortSignal.timeout(60000) });
    const responseHeaders = {};
    response.headers.forEach((value, name) => (responseHeaders[name] = [value]));
    result = { StatusCode: response.status, Status: response.status + ' ' + response.statusText, Body: await response.text(), Headers: responseHeaders };
  } catch (error) {
    result = { error: String(error && error.cause ? error.cause.message : error) };
  }
  port.postMessage(result);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});`;

/** A synchronous HTTP call: the worker fetches, this thread waits for its answer. */
function fetchSync(worker: Worker, url: string, request: unknown): any {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ signal, port: port2, url, request }, [port2]);
  if (Atomics.wait(signal, 0, 0, 90_000) === 'timed-out') throw new Error(`http(): no answer from ${url} within 90 s`);
  const answer = receiveMessageOnPort(port1)?.message;
  port1.close();
  return answer;
}

/** Removes from a context what ES5 lacks (run inside it: these are the context's own intrinsics, not the host's). */
const ES5_ONLY = `(function (global) {
  var drop = function (owner, names) { for (var i = 0; i < names.length; i += 1) delete owner[names[i]]; };
  drop(global, ['Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Int32Array', 'Float64Array', 'Atomics', 'Intl', 'globalThis']);
  drop(Object, ['assign', 'entries', 'values', 'fromEntries', 'hasOwn', 'is', 'setPrototypeOf', 'getOwnPropertySymbols', 'getOwnPropertyDescriptors']);
  drop(Array, ['from', 'of']);
  drop(Array.prototype, ['includes', 'find', 'findIndex', 'findLast', 'findLastIndex', 'fill', 'copyWithin', 'entries', 'keys', 'values', 'flat', 'flatMap', 'at']);
  drop(String, ['fromCodePoint', 'raw']);
  drop(String.prototype, ['includes', 'startsWith', 'endsWith', 'repeat', 'padStart', 'padEnd', 'trimStart', 'trimEnd', 'codePointAt', 'normalize', 'at', 'replaceAll', 'matchAll']);
  drop(Number, ['isInteger', 'isSafeInteger', 'isNaN', 'isFinite', 'parseFloat', 'parseInt', 'EPSILON', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER']);
  drop(Math, ['trunc', 'sign', 'log10', 'log2', 'hypot', 'cbrt', 'imul', 'fround', 'clz32', 'expm1', 'log1p']);
})(this);`;

export async function runXsoarScript(script: string, invocation: XsoarInvocation): Promise<XsoarRun> {
  const worker = new Worker(FETCH_WORKER, { eval: true });
  try {
    return runInEngine(script, invocation, worker);
  } finally {
    await worker.terminate();
  }
}

function runInEngine(script: string, invocation: XsoarInvocation, worker: Worker): XsoarRun {
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
    const output = fetchSync(worker, url, JSON.parse(JSON.stringify(request)));
    if (output.error) throw new Error(`http(): ${output.error}`);
    requests.push({ url, method: request.Method, headers: hostPlain(request.Headers), body: request.Body, status: output.StatusCode });
    return plain(output);
  };
  const context = vm.createContext({});
  vm.runInContext(ES5_ONLY, context);
  const parseInContext = vm.runInContext('JSON.parse', context) as (text: string) => any;
  // Values cross into the context as JSON, the way the engine hands them over, built from the context's own intrinsics.
  const plain = <T>(value: T): T => parseInContext(JSON.stringify(value ?? {}));
  const hostPlain = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? {}));
  const demisto = {
    args: () => plain(invocation.args ?? {}),
    params: () => plain(invocation.params),
    command: () => invocation.command,
    incidents: (value: any[]) => {
      incidents = hostPlain(value);
    },
    getLastRun: () => plain(lastRun),
    setLastRun: (value: Record<string, unknown>) => {
      lastRun = hostPlain(value);
    },
    debug: () => undefined,
  };
  Object.assign(context, { demisto, http, entryTypes: plain({ note: 1, error: 4 }), formats: plain({ json: 'json', markdown: 'markdown', text: 'text' }) });
  const result = new vm.Script(`(function () {\n${script}\n})()`, { filename: 'Verdict.yml#script' }).runInContext(context, { timeout: 120_000 });
  return { result: result === undefined ? undefined : hostPlain(result), incidents, lastRun, requests };
}
