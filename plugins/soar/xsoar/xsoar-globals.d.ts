// The built-ins Cortex XSOAR's JavaScript engine gives an integration script (no modules, no npm).
// Only what verdict-xsoar.ts uses is declared; test/soar/xsoar-harness.ts emulates the same set.

interface XsoarHttpRequest {
  Method: string;
  Headers: Record<string, string[]>;
  Body?: string;
}

interface XsoarHttpResponse {
  StatusCode: number;
  Status: string;
  Body: string;
  Headers: Record<string, string[]>;
}

interface XsoarEntry {
  Type: number;
  Contents: unknown;
  ContentsFormat: string;
  HumanReadable?: string;
  EntryContext?: Record<string, unknown>;
}

interface XsoarIncident {
  name: string;
  occurred: string;
  severity: number;
  rawJSON: string;
  details?: string;
}

declare var demisto: {
  args(): Record<string, unknown>;
  params(): Record<string, unknown>;
  command(): string;
  incidents(incidents: XsoarIncident[]): void;
  getLastRun(): Record<string, unknown>;
  setLastRun(value: Record<string, unknown>): void;
  debug(message: string): void;
};
/** Synchronous HTTP: `http(url, request, insecure, useProxy)`. */
declare function http(url: string, request: XsoarHttpRequest, insecure: boolean, useProxy: boolean): XsoarHttpResponse;
declare var entryTypes: { note: number; error: number };
declare var formats: { json: string; markdown: string; text: string };

/** Injected at build time (esbuild define) from the OpenAPI document: see xsoar-build.ts. */
declare var VERDICT_API: {
  version: string;
  triage: { method: string; path: string };
  getVerdict: { method: string; path: string };
  listVerdicts: { method: string; path: string };
  feedback: { method: string; path: string };
  resultFields: string[];
};
