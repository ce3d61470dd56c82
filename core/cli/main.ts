import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { VerdictError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import { createRuntime, type VerdictRuntime } from '../runtime/runtime.js';
import { openStore } from '../store/open-store.js';
import { describeEnvironmentError, guardStandardOutput } from './environment-errors.js';
import { VERDICT_VERSION } from '../version.js';
import { registerExplainCommand } from './explain-command.js';
import { registerFeedbackCommand } from './feedback-command.js';
import { printList } from './print-list.js';
import { registerServeCommand } from './serve-command.js';
import { registerSuppressCommand } from './suppress-command.js';
import { registerTokenCommand } from './token-command.js';
import { registerTriageCommand, type CliDeps } from './triage-command.js';

export interface CliOptions {
  /** Platform plugins wired by the entry point (core never imports a plugin itself). */
  plugins: readonly PlatformPluginV1[];
  /** More commands (serve, token, run, backtest), each given the same dependencies. */
  commands?: ReadonlyArray<(program: Command, deps: CliDeps) => void>;
}

export function buildProgram(options: CliOptions): Command {
  const deps: CliDeps = {
    async openRuntime(configFile: string | undefined): Promise<VerdictRuntime> {
      const loaded = loadConfig(configFile);
      const repository = await openStore(loaded.config.store, loaded.home, loaded.baseDir, loaded.tenant);
      try {
        return await createRuntime(loaded, { plugins: options.plugins, repository });
      } catch (error) {
        // A config error found after the store opened (an enricher, a key file) must not leave it
        // open: an open store keeps the process alive after the message.
        await repository.close().catch(() => undefined);
        throw error;
      }
    },
  };
  const program = new Command('verdict')
    .description('Triage security alerts offline: a verdict, a calibrated confidence, the evidence and a recommended response.')
    .version(VERDICT_VERSION)
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', HELP_FOOTER);
  registerTriageCommand(program, deps);
  registerFeedbackCommand(program, deps);
  registerExplainCommand(program, deps);
  registerSuppressCommand(program, deps);
  registerServeCommand(program, deps);
  registerTokenCommand(program, deps);
  for (const register of options.commands ?? []) register(program, deps);
  program
    .command('audit')
    .description('Show the audit log: who did what (feedback, suppressions, tokens, approvals, llm.egress records)')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('-a, --action <action>', 'only this action, e.g. llm.egress or suppression.add')
    .option('-n, --limit <n>', 'how many of the newest entries', '50')
    .option('--json', 'print a JSON array ([] when there are none)')
    .action(async (commandOptions: { config?: string; action?: string; limit: string; json?: boolean }) => {
      const runtime = await deps.openRuntime(commandOptions.config);
      try {
        const limit = Number(commandOptions.limit) || 50;
        const entries = await runtime.repository.listAudit(commandOptions.action ? limit * 20 : limit);
        printList(entries.filter((item) => !commandOptions.action || item.action === commandOptions.action).slice(0, limit), {
          json: commandOptions.json,
          none: commandOptions.action ? `No audit entries for ${commandOptions.action}.` : 'No audit entries.',
          line: (entry) => `${entry.time}\t${entry.actor}\t${entry.action}\t${entry.target}\t${entry.detail.slice(0, 300)}`,
        });
      } finally {
        await runtime.close();
      }
    });
  program
    .command('dead-letters')
    .description('List records that could not be triaged, with the field and the reason')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--json', 'print a JSON array ([] when there are none)')
    .action(async (commandOptions: { config?: string; limit: string; json?: boolean }) => {
      const runtime = await deps.openRuntime(commandOptions.config);
      try {
        printList(await runtime.repository.listDeadLetters(Number(commandOptions.limit) || 20), {
          json: commandOptions.json,
          none: 'No dead letters: every record received became an alert.',
          line: (item) => `${item.createdAt}\t${item.source}\t${item.reason}\n\t${item.record.slice(0, 200)}`,
        });
      } finally {
        await runtime.close();
      }
    });
  return program;
}

/** Exit codes and environment variables, shown by `verdict --help` (and listed in the README). */
export const HELP_FOOTER = `
Exit codes:
  0   done
  1   usage error (unknown command or option, missing argument)
  2   the input, config or environment is wrong: the message says what to fix
  3   done, but some records were dead-lettered (verdict triage, verdict feedback)
  70  a bug in Verdict (rerun with VERDICT_DEBUG=1 for the stack)

Environment:
  VERDICT_HOME               folder of the store and state (default ./.verdict)
  VERDICT_CONFIG             config file when --config is not given (else verdict.config.yaml in VERDICT_HOME)
  VERDICT_TENANT             whose alerts (default "default"): each tenant has its own store
  VERDICT_DEBUG=1            print stack traces of unexpected errors
  VERDICT_HOOK_SECRET_<ID>   verdict serve: webhook secret of platform <id>
  VERDICT_CALLBACK_SECRET    verdict serve: HMAC secret signing async-triage callbacks
  VERDICT_CALLBACK_ORIGINS   verdict serve: origins callbacks may go to (comma-separated)
  VERDICT_TOKEN, VERDICT_URL verdict mcp: the token its tools use (stdio) and where verdict serve listens
  VERDICT_LOG_LEVEL          verdict worker: log level (default info)
`;

/** Runs the CLI; user errors print one clear line (no stack) and set a non-zero exit code. */
export async function runCli(argv: readonly string[], options: CliOptions): Promise<void> {
  guardStandardOutput();
  const program = buildProgram(options);
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (VerdictError.isInstance(error)) {
      process.stderr.write(`verdict: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const environment = describeEnvironmentError(error);
    if (environment) {
      process.stderr.write(`verdict: ${environment}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`verdict: unexpected error: ${(error as Error).message}\n`);
    if (process.env.VERDICT_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    else process.stderr.write('This is a bug in Verdict; rerun with VERDICT_DEBUG=1 for details and report it.\n');
    process.exitCode = 70;
  }
}
