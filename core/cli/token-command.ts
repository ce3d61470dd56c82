import { InvalidArgumentError, type Command } from 'commander';
import { issueToken } from '../server/tokens.js';
import { ConfigError } from '../spec/errors.js';
import { TOKEN_SCOPES, type ApiToken, type TokenScope } from '../store/repository.js';
import type { CliDeps } from './triage-command.js';
import { printList } from './print-list.js';

/**
 * `verdict token create | list | revoke`: API tokens for the service. The secret is printed once,
 * on stdout, at creation; the store keeps only its SHA-256.
 */
export function registerTokenCommand(program: Command, deps: CliDeps): void {
  const token = program.command('token').description('Manage API tokens for `verdict serve`');

  token
    .command('create')
    .description('Create a token and print it once (scopes: triage, feedback, approve, admin)')
    .requiredOption('--name <name>', 'who holds it (a person or a system); approvals compare holders by name')
    .option('--scope <scope>', 'a scope; repeat for several', collectScope, [] as TokenScope[])
    .option('--expires-in-days <days>', 'expire after this many days (default: never)')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .action(async (options: { name: string; scope: TokenScope[]; expiresInDays?: string; config?: string }) => {
      if (options.scope.length === 0) throw new ConfigError(`give at least one --scope (${TOKEN_SCOPES.join(', ')})`);
      if (!/^[\w.@:-]{1,64}$/.test(options.name)) throw new ConfigError('--name may hold letters, digits and . _ @ : - (at most 64)');
      const days = options.expiresInDays === undefined ? undefined : Number(options.expiresInDays);
      if (days !== undefined && !(Number.isFinite(days) && days > 0)) throw new ConfigError('--expires-in-days must be a positive number');
      const now = new Date();
      const expiresAt = days === undefined ? undefined : new Date(now.getTime() + days * 86_400_000).toISOString();
      const { token: created, bearer } = issueToken({ name: options.name, scopes: options.scope, expiresAt }, now);
      await withRuntime(deps, options.config, async (runtime) => {
        await runtime.repository.createToken(created);
        await runtime.repository.appendAudit({
          time: now.toISOString(),
          actor: cliActor(),
          action: 'token.create',
          target: created.id,
          detail: `name=${created.name} scopes=${created.scopes.join(',')}${expiresAt ? ` expires=${expiresAt}` : ''}`,
        });
      });
      process.stderr.write(
        `Created token ${created.id} for ${created.name} (${created.scopes.join(', ')}${expiresAt ? `, expires ${expiresAt}` : ''}).\nThis is the only time it is shown; store it in your secret manager:\n`,
      );
      process.stdout.write(`${bearer}\n`);
    });

  token
    .command('list')
    .description('List tokens (never their secrets)')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--json', 'print a JSON array ([] when there are none)')
    .action(async (options: { config?: string; json?: boolean }) => {
      await withRuntime(deps, options.config, async (runtime) => {
        printList(await runtime.repository.listTokens(), {
          json: options.json,
          none: 'No tokens: create one with `verdict token create --name NAME --scope SCOPE`.',
          header: ['ID', 'NAME', 'SCOPES', 'CREATED', 'EXPIRES', 'STATUS', 'LAST USED'].join('\t'),
          line: listRow,
          // The secret's hash stays in the store.
          toJson: ({ secretHash: _secretHash, ...token }) => ({ ...token, status: tokenStatus(token) }),
        });
      });
    });

  token
    .command('revoke')
    .description('Revoke a token (within 5 s on running servers)')
    .argument('<id>', 'token id, as shown by `verdict token list`')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .action(async (id: string, options: { config?: string }) => {
      await withRuntime(deps, options.config, async (runtime) => {
        const now = new Date().toISOString();
        if (!(await runtime.repository.revokeToken(id, now))) {
          const known = await runtime.repository.getToken(id);
          throw new ConfigError(known ? `token ${id} was already revoked at ${known.revokedAt}` : `no token ${id}: see \`verdict token list\``);
        }
        await runtime.repository.appendAudit({ time: now, actor: cliActor(), action: 'token.revoke', target: id, detail: '' });
      });
      process.stderr.write(`Revoked token ${id}.\n`);
    });
}

function collectScope(value: string, previous: TokenScope[]): TokenScope[] {
  if (!(TOKEN_SCOPES as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${TOKEN_SCOPES.join(', ')}`);
  return [...previous, value as TokenScope];
}

async function withRuntime(deps: CliDeps, config: string | undefined, work: (runtime: Awaited<ReturnType<CliDeps['openRuntime']>>) => Promise<void>): Promise<void> {
  const runtime = await deps.openRuntime(config);
  try {
    await work(runtime);
  } finally {
    await runtime.close();
  }
}

function tokenStatus(token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>): 'revoked' | 'expired' | 'active' {
  if (token.revokedAt) return 'revoked';
  return token.expiresAt !== undefined && Date.parse(token.expiresAt) <= Date.now() ? 'expired' : 'active';
}

function listRow(token: ApiToken): string {
  const status = tokenStatus(token) === 'revoked' ? `revoked ${token.revokedAt}` : tokenStatus(token);
  return [token.id, token.name, token.scopes.join(','), token.createdAt, token.expiresAt ?? 'never', status, token.lastUsedAt ?? 'never'].join('\t');
}

function cliActor(): string {
  return `cli:${process.env.USER ?? 'unknown'}`;
}
