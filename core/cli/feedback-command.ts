import type { Command } from 'commander';
import { VerdictError } from '../spec/errors.js';
import type { CliDeps } from './triage-command.js';
import { EXIT_DEAD_LETTERED } from './triage-command.js';
import { detectFormat, readRecords } from './read-records.js';

/** `verdict feedback FILE`: import analyst dispositions (alert id or fingerprint + verdict). */
export function registerFeedbackCommand(program: Command, deps: CliDeps): void {
  program
    .command('feedback')
    .description('Import analyst dispositions (JSONL / JSON / CSV: alertId or fingerprint, verdict, analyst, time, note)')
    .argument('<file>', 'dispositions file, or - for stdin')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .action(async (file: string, options: { config?: string }) => {
      const runtime = await deps.openRuntime(options.config);
      let imported = 0;
      const failures: string[] = [];
      // One time for the whole file: records without a time were decided together, and memory
      // must not decay them against each other by the milliseconds the import took.
      const importedAt = new Date().toISOString();
      try {
        let line = 0;
        for await (const item of readRecords(file, detectFormat(file))) {
          line += 1;
          if ('unreadable' in item) {
            failures.push(item.unreadable);
            continue;
          }
          const record = withDefaults(item.record, importedAt);
          try {
            await runtime.recordDisposition(record, `file:${file}`);
            imported += 1;
          } catch (error) {
            if (!VerdictError.isInstance(error)) throw error;
            failures.push(`record ${line}: ${error.message}`);
            await runtime.repository.addDeadLetter({ source: `feedback:${file}`, reason: error.message, issues: [], record: JSON.stringify(item.record), createdAt: new Date().toISOString() });
          }
        }
        await runtime.repository.appendAudit({
          time: new Date().toISOString(),
          actor: process.env.USER ?? 'cli',
          action: 'feedback.import',
          target: file,
          detail: `${imported} imported, ${failures.length} rejected`,
        });
      } finally {
        await runtime.close();
      }
      process.stderr.write(`Imported ${imported} disposition${imported === 1 ? '' : 's'}; ${failures.length} rejected.\n`);
      for (const failure of failures.slice(0, 10)) process.stderr.write(`  rejected: ${failure}\n`);
      if (failures.length > 0) process.exitCode = EXIT_DEAD_LETTERED;
    });
}

/** A disposition without a time was decided at import; CSV gives strings, which the schema reads. */
function withDefaults(record: unknown, importedAt: string): unknown {
  if (record === null || typeof record !== 'object') return record;
  const value = { ...(record as Record<string, unknown>) };
  value.time ??= importedAt;
  for (const key of Object.keys(value)) if (value[key] === '') delete value[key];
  return value;
}
