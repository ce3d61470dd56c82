import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load-config.js';
import { ensureBuilt, ROOT, runCli } from './live-service.js';

/** CLI conventions a SOAR engineer scripts against: --json lists, config found without --config, documented exit codes. */
describe('CLI conventions', () => {
  const homes: string[] = [];
  const newHome = () => {
    const home = mkdtempSync(path.join(tmpdir(), 'verdict-cli-conv-'));
    homes.push(home);
    return home;
  };
  beforeAll(() => ensureBuilt(), 180_000);
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('every list command prints [] with --json and a line saying none without it, when empty', () => {
    const home = newHome();
    for (const command of [['token', 'list'], ['suppress', 'list'], ['audit'], ['dead-letters']]) {
      const json = runCli(home, [...command, '--json']);
      expect(json.status, command.join(' ')).toBe(0);
      expect(JSON.parse(json.stdout), command.join(' ')).toEqual([]);
      const text = runCli(home, command);
      expect(text.stdout.trim(), command.join(' ')).toMatch(/^No /);
    }
  }, 120_000);

  it('--json lists hold the records (tokens without their secret or its hash)', () => {
    const home = newHome();
    const bearer = runCli(home, ['token', 'create', '--name', 'soar', '--scope', 'triage']).stdout.trim();
    const tokens = JSON.parse(runCli(home, ['token', 'list', '--json']).stdout);
    expect(tokens).toEqual([expect.objectContaining({ name: 'soar', scopes: ['triage'], status: 'active' })]);
    expect(tokens[0]).not.toHaveProperty('secretHash');
    const secret = bearer.slice(bearer.indexOf('_', 4) + 1); // the secret is base64url and may itself hold '_'
    expect(secret.length).toBeGreaterThan(40);
    expect(JSON.stringify(tokens)).not.toContain(secret);
    expect(JSON.parse(runCli(home, ['audit', '--json']).stdout)).toEqual([expect.objectContaining({ action: 'token.create' })]);
  }, 120_000);

  it('finds the config from VERDICT_CONFIG, or as verdict.config.yaml in VERDICT_HOME, so --config need not be repeated', () => {
    const home = newHome();
    const elsewhere = path.join(newHome(), 'team.yaml');
    writeFileSync(elsewhere, 'store:\n  kind: sqlite\n  path: from-env.db\n');
    expect(runCli(home, ['token', 'create', '--name', 'a', '--scope', 'triage'], { VERDICT_CONFIG: elsewhere }).status).toBe(0);
    expect(existsSync(path.join(path.dirname(elsewhere), 'from-env.db'))).toBe(true);
    writeFileSync(path.join(home, 'verdict.config.yaml'), 'store:\n  kind: sqlite\n  path: from-home.db\n');
    expect(runCli(home, ['token', 'create', '--name', 'b', '--scope', 'triage']).status).toBe(0);
    expect(existsSync(path.join(home, 'from-home.db'))).toBe(true);
    // --config still wins, and a missing file says which setting named it.
    const missing = runCli(home, ['token', 'list'], { VERDICT_CONFIG: path.join(home, 'nope.yaml') });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('from VERDICT_CONFIG');
    expect(loadConfig(elsewhere, { VERDICT_HOME: home, VERDICT_CONFIG: path.join(home, 'nope.yaml') }).file).toBe(elsewhere);
  }, 120_000);

  it('--help lists the exit codes and the environment variables', () => {
    const help = runCli(newHome(), ['--help']).stdout;
    expect(help).toContain('Exit codes:');
    for (const code of ['0 ', '1 ', '2 ', '3 ', '70 ']) expect(help).toContain(`\n  ${code}`);
    for (const variable of ['VERDICT_HOME', 'VERDICT_CONFIG', 'VERDICT_DEBUG', 'VERDICT_HOOK_SECRET_', 'VERDICT_CALLBACK_SECRET', 'VERDICT_TOKEN']) expect(help).toContain(variable);
    const usage = runCli(newHome(), ['no-such-command']);
    expect(usage.status).toBe(1);
  }, 60_000);

  it('every VERDICT_* variable the code reads is listed in --help and in the README', () => {
    const read = new Set<string>(['VERDICT_HOOK_SECRET_']);
    for (const folder of ['bin', 'core', 'plugins']) {
      for (const entry of readdirSync(path.join(ROOT, folder), { withFileTypes: true, recursive: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
        const source = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
        for (const match of source.matchAll(/(?:process\.env|environment|env)\.(VERDICT_[A-Z_]+)/g)) read.add(match[1]!);
      }
    }
    expect(read.size).toBeGreaterThan(8);
    const help = runCli(newHome(), ['--help']).stdout;
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const variable of read) {
      expect(help, `--help lacks ${variable}`).toContain(variable);
      expect(readme, `README lacks ${variable}`).toContain(`\`${variable}`);
    }
  }, 60_000);
});
