// The server side of `npm run bench:server`: one `verdict serve` equivalent on a random loopback
// port, offline engine, SQLite in a temp dir. Sends {url, token, home} to the parent over IPC;
// its JSON logs go to stdout, which the bench discards (formatting and writing them is still paid).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../core/config/load-config.js';
import { createRuntime } from '../../core/runtime/runtime.js';
import { createServer } from '../../core/server/create-server.js';
import { issueToken } from '../../core/server/tokens.js';

const configFile = process.argv[2];
const logLevel = process.argv[3] ?? 'warn';
const home = mkdtempSync(path.join(tmpdir(), 'verdict-bench-server-'));
const loaded = loadConfig(configFile, { ...process.env, VERDICT_HOME: home });
const runtime = await createRuntime(loaded);
const { token, bearer } = issueToken({ name: 'bench', scopes: ['admin'] });
await runtime.repository.createToken(token);
const server = createServer({
  runtime,
  // The bench measures the service, not the per-token limit; batches may hold 1,000 alerts.
  options: { logLevel, rateLimit: { requestsPerSecond: 1e9, burst: 1e9 }, maxBatch: 1000, bodyLimitBytes: 50 * 1024 * 1024 },
});
const url = await server.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ url, token: bearer, home });
const stop = async (): Promise<void> => {
  await server.close();
  await runtime.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
