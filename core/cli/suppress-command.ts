import type { Command } from 'commander';
import { ConfigError } from '../spec/errors.js';
import { SuppressionV1Schema } from '../spec/suppression.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import { compileSuppression } from '../enrich/suppression/suppression.js';
import type { CliDeps } from './triage-command.js';
import { printList } from './print-list.js';

const DAY_MS = 86_400_000;

/** `verdict suppress add|list|remove`: analyst-authored, scoped, owned, expiring suppressions. */
export function registerSuppressCommand(program: Command, deps: CliDeps): void {
  const suppress = program.command('suppress').description('Manage suppressions (expected activity, cited in verdicts)');
  suppress
    .command('add')
    .description('Add or replace a suppression')
    .argument('<name>', 'a short name, cited in verdicts')
    .requiredOption('--owner <owner>', 'who answers for it')
    .requiredOption('--reason <text>', 'why the activity is expected')
    .option('--rule <ruleName>', 'rule name it applies to (exact, case-insensitive)')
    .option('--entity <kind:value>', 'entity it applies to, e.g. host:web01 or user:svc_backup')
    .option('--field <name>', 'alert field the pattern is matched against (default: title)')
    .option('--pattern <regex>', 'regular expression the field must match')
    .option('--days <n>', 'days until it expires', '30')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .action(async (name: string, options: { owner: string; reason: string; rule?: string; entity?: string; field?: string; pattern?: string; days: string; config?: string }) => {
      if (!options.rule && !options.entity && !options.pattern) {
        throw new ConfigError('a suppression needs a scope: give --rule, --entity or --pattern (or several)');
      }
      const days = Number(options.days);
      if (!Number.isFinite(days) || days <= 0 || days > 366) throw new ConfigError('--days must be between 1 and 366: suppressions always expire');
      const now = new Date();
      const parsed = SuppressionV1Schema.safeParse({
        name,
        owner: options.owner,
        reason: options.reason,
        rule: options.rule,
        entity: options.entity,
        field: options.field,
        pattern: options.pattern,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + days * DAY_MS).toISOString(),
      });
      if (!parsed.success)
        throw new ConfigError(
          `invalid suppression: ${toFieldIssues(parsed.error)
            .map((issue) => `${issue.path}: ${issue.message}`)
            .join('; ')}`,
        );
      try {
        compileSuppression(parsed.data);
      } catch (error) {
        throw new ConfigError(`--pattern is not a valid regular expression: ${(error as Error).message}`);
      }
      const runtime = await deps.openRuntime(options.config);
      try {
        await runtime.repository.addSuppression(parsed.data);
        await runtime.repository.appendAudit({ time: now.toISOString(), actor: options.owner, action: 'suppression.add', target: name, detail: JSON.stringify(parsed.data) });
      } finally {
        await runtime.close();
      }
      process.stdout.write(`Suppression ${name} added; it expires ${parsed.data.expiresAt}.\n`);
    });
  suppress
    .command('list')
    .description('List suppressions')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--json', 'print a JSON array ([] when there are none)')
    .action(async (options: { config?: string; json?: boolean }) => {
      const runtime = await deps.openRuntime(options.config);
      try {
        const now = Date.now();
        printList(await runtime.repository.listSuppressions(), {
          json: options.json,
          none: 'No suppressions: add one with `verdict suppress add NAME --owner WHO --reason WHY --rule RULE`.',
          line: (item) => {
            const scope = [item.rule && `rule=${item.rule}`, item.entity && `entity=${item.entity}`, item.pattern && `${item.field ?? 'title'}~/${item.pattern}/`].filter(Boolean).join(' ');
            const state = Date.parse(item.expiresAt) <= now ? 'EXPIRED' : `until ${item.expiresAt.slice(0, 10)}`;
            return `${item.name}\t${state}\towner ${item.owner}\t${scope}\t${item.reason}`;
          },
        });
      } finally {
        await runtime.close();
      }
    });
  suppress
    .command('remove')
    .description('Remove a suppression')
    .argument('<name>')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .action(async (name: string, options: { config?: string }) => {
      const runtime = await deps.openRuntime(options.config);
      try {
        if (!(await runtime.repository.removeSuppression(name))) throw new ConfigError(`no suppression named ${name}: see verdict suppress list`);
        await runtime.repository.appendAudit({ time: new Date().toISOString(), actor: process.env.USER ?? 'cli', action: 'suppression.remove', target: name, detail: '' });
      } finally {
        await runtime.close();
      }
      process.stdout.write(`Suppression ${name} removed.\n`);
    });
}
