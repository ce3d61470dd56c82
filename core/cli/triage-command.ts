import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError } from '../spec/errors.js';
import type { TriageResult, Verdict } from '../spec/result.js';
import type { VerdictRuntime } from '../runtime/runtime.js';
import { formatTableHeader, formatTableRow } from './format-table.js';
import { detectFormat, inputSize, readRecords } from './read-records.js';

export interface CliDeps {
  openRuntime(configFile: string | undefined): Promise<VerdictRuntime>;
}

/** Exit code when some records were dead-lettered (the rest were triaged). */
export const EXIT_DEAD_LETTERED = 3;

const PROGRESS_MIN_BYTES = 1_000_000;

export function registerTriageCommand(program: Command, deps: CliDeps): void {
  program
    .command('triage')
    .description('Triage alerts from a JSONL, JSON or CSV file (or - for stdin); verdicts go to the store and stdout')
    .argument('[file]', 'input file, or - for stdin', '-')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('-p, --platform <id>', 'platform of the records (verdict, ocsf, generic, splunk, …); default: detect')
    .option('-m, --map <name>', 'field map from the config for generic JSON / CSV records')
    .option('--input-format <format>', 'jsonl, json or csv (default: from the file extension)')
    .option('-f, --format <format>', 'output: jsonl or table', 'jsonl')
    .option('--batch-size <n>', 'records per store transaction', '1000')
    .option('--retriage', 'judge alerts that already have a stored verdict again, against what Verdict has learned since (default: show the stored verdict)')
    .action(async (file: string, options: { config?: string; platform?: string; map?: string; inputFormat?: string; format: string; batchSize: string; retriage?: boolean }) => {
      if (options.format !== 'jsonl' && options.format !== 'table') throw new ConfigError(`--format ${options.format} is not supported: use jsonl or table`);
      const batchSize = Number.parseInt(options.batchSize, 10);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError('--batch-size must be a positive integer');
      const runtime = await deps.openRuntime(options.config);
      try {
        const fieldMap = options.map === undefined ? undefined : runtime.loaded.config.fieldMaps[options.map];
        if (options.map !== undefined && fieldMap === undefined) {
          const known = Object.keys(runtime.loaded.config.fieldMaps);
          throw new ConfigError(`field map "${options.map}" is not in the config: define fieldMaps.${options.map}${known.length ? ` or use one of ${known.join(', ')}` : ''}`);
        }
        const summary = await triageFile(runtime, file, { ...options, batchSize, fieldMap });
        process.stderr.write(`${formatSummary(summary)}\n`);
        if (summary.deadLettered > 0) process.exitCode = EXIT_DEAD_LETTERED;
      } finally {
        await runtime.close();
      }
    });
}

interface TriageSummary {
  alerts: number;
  byVerdict: Record<Verdict, number>;
  duplicates: number;
  deadLettered: number;
  firstFailures: string[];
  seconds: number;
}

async function triageFile(
  runtime: VerdictRuntime,
  file: string,
  options: { platform?: string; fieldMap?: VerdictRuntime['loaded']['config']['fieldMaps'][string]; inputFormat?: string; format: string; batchSize: number; retriage?: boolean },
): Promise<TriageSummary> {
  const started = performance.now();
  const format = detectFormat(file, options.inputFormat);
  const size = inputSize(file);
  const bar =
    process.stderr.isTTY && size !== undefined && size >= PROGRESS_MIN_BYTES
      ? new cliProgress.SingleBar({ format: 'triage [{bar}] {percentage}% | {alerts} alerts', stream: process.stderr }, cliProgress.Presets.shades_classic)
      : undefined;
  bar?.start(size ?? 0, 0, { alerts: 0 });
  let bytes = 0;
  const summary: TriageSummary = {
    alerts: 0,
    byVerdict: { true_positive: 0, benign_positive: 0, false_positive: 0, inconclusive: 0 },
    duplicates: 0,
    deadLettered: 0,
    firstFailures: [],
    seconds: 0,
  };
  if (options.format === 'table') process.stdout.write(`${formatTableHeader()}\n`);
  const emit = (results: TriageResult[]): void => {
    let text = '';
    for (const result of results) {
      summary.alerts += 1;
      summary.byVerdict[result.verdict] += 1;
      if (result.duplicateOf) summary.duplicates += 1;
      text += options.format === 'table' ? `${formatTableRow(result)}\n` : `${JSON.stringify(result)}\n`;
    }
    process.stdout.write(text);
  };
  const normalizeOptions = { ...(options.platform ? { platform: options.platform } : {}), ...(options.fieldMap ? { fieldMap: options.fieldMap } : {}) };
  const secondOf = (record: unknown): number | undefined => {
    try {
      return Math.floor(Date.parse(runtime.normalizer.normalize(record, normalizeOptions).time) / 1000);
    } catch {
      return undefined;
    }
  };
  let batch: unknown[] = [];
  let batchRecordNumbers: number[] = [];
  let recordIndex = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const outcome = await runtime.triageRecords(batch, {
      source: `file:${file}`,
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.fieldMap ? { fieldMap: options.fieldMap } : {}),
      ...(options.retriage ? { retriage: true } : {}),
    });
    emit(outcome.results);
    for (const failure of outcome.failures) noteFailure(`record ${batchRecordNumbers[failure.index]}: ${failure.error.message}`);
    batch = [];
    batchRecordNumbers = [];
    bar?.update(bytes, { alerts: summary.alerts });
  };
  const noteFailure = (message: string): void => {
    summary.deadLettered += 1;
    if (summary.firstFailures.length < 5) summary.firstFailures.push(message);
  };
  for await (const item of readRecords(file, format, (count) => {
    bytes += count;
  })) {
    recordIndex += 1;
    if ('unreadable' in item) {
      await runtime.repository.addDeadLetter({ source: `file:${file}`, reason: item.unreadable, issues: [], record: item.text, createdAt: new Date().toISOString() });
      noteFailure(item.unreadable);
      continue;
    }
    // A batch ends between seconds, never inside one: alerts of one second are judged together.
    if (batch.length >= options.batchSize && (batch.length >= 4 * options.batchSize || secondOf(batch[batch.length - 1]) !== secondOf(item.record))) await flush();
    batch.push(item.record);
    batchRecordNumbers.push(recordIndex);
  }
  await flush();
  bar?.stop();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function formatSummary(summary: TriageSummary): string {
  const lines = [
    `Triaged ${summary.alerts} alerts in ${summary.seconds.toFixed(2)} s: ` +
      `${summary.byVerdict.true_positive} true positive, ${summary.byVerdict.benign_positive} benign positive, ` +
      `${summary.byVerdict.false_positive} false positive, ${summary.byVerdict.inconclusive} inconclusive; ` +
      `${summary.duplicates} duplicates reused an earlier verdict; ${summary.deadLettered} dead-lettered.`,
  ];
  for (const failure of summary.firstFailures) lines.push(`  dead letter: ${failure}`);
  if (summary.deadLettered > summary.firstFailures.length) lines.push(`  … see them all with: verdict dead-letters`);
  return lines.join('\n');
}
