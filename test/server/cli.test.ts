import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// The real entry point, with every command wired as users get it.
const ENTRY = path.join(import.meta.dirname, '..', '..', 'bin', 'verdict.ts');
const TSX = path.join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

describe('verdict token and verdict serve', () => {
  let home: string;
  let child: ChildProcess | undefined;
  const environment = () => ({ ...process.env, VERDICT_HOME: home, VERDICT_HOOK_SECRET_VERDICT: 'cli-secret' });
  const verdict = (...args: string[]) => execFileSync(TSX, [ENTRY, ...args], { env: environment(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(() => {
    home = mkdtempSync(path.join(tmpdir(), 'verdict-cli-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    child = undefined;
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** Starts `verdict serve` on a random port and resolves with the address it prints. */
  function serve(...args: string[]): Promise<string> {
    child = spawn(TSX, [ENTRY, 'serve', '--port', '0', ...args], { env: environment(), stdio: ['ignore', 'ignore', 'pipe'] });
    return new Promise((resolve, reject) => {
      let stderr = '';
      child!.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (\S+) /.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child!.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
  }

  it('creates a token (printed once), lists it without the secret, and revokes it', () => {
    const bearer = verdict('token', 'create', '--name', 'soar', '--scope', 'triage', '--scope', 'feedback').trim();
    expect(bearer).toMatch(/^vdt_[0-9a-f]{16}_[\w-]{43}$/);
    const listed = verdict('token', 'list');
    expect(listed).toContain('soar');
    expect(listed).toContain('triage,feedback');
    expect(listed).not.toContain(bearer.slice('vdt_'.length + 17));
    const id = bearer.split('_')[1]!;
    verdict('token', 'revoke', id);
    expect(verdict('token', 'list')).toContain('revoked');
    expect(() => verdict('token', 'create', '--name', 'x', '--scope', 'root')).toThrow(/use one of triage, feedback, approve, admin/);
  }, 120_000);

  it('serves the API on loopback with the tokens from the store, and stops on SIGTERM', async () => {
    const bearer = verdict('token', 'create', '--name', 'playbook', '--scope', 'triage').trim();
    const address = await serve();
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${address}/v1/verdicts`)).status).toBe(401);
    const response = await fetch(`${address}/v1/verdicts`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(response.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);

  it('serves HTTPS when given a certificate and key', async () => {
    const key = path.join(home, 'key.pem');
    const cert = path.join(home, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
    const address = await serve('--tls-cert', cert, '--tls-key', key);
    expect(address).toMatch(/^https:\/\//);
    const { readFileSync } = await import('node:fs');
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpsRequest(`${address}/healthz`, { ca: readFileSync(cert) }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.once('error', reject);
      request.end();
    });
    expect(status).toBe(200);
  }, 120_000);
});
