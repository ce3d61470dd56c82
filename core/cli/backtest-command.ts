import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runBacktest, type BacktestItem } from '../backtest/backtest.js';
import type { ExpectedLabel } from '../backtest/metrics.js';
import { renderBacktestHtml } from '../backtest/report-html.js';
import { formatPercent } from '../backtest/report-markup.js';
import { loadConfig } from '../config/load-config.js';
import type { Alert } from '../spec/alert.js';
import { ConfigError, VerdictError } from '../spec/errors.js';
import { createOfflineEngine } from '../runtime/engine-factory.js';
import { createNormalizer } from '../runtime/normalize-registry.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import { detectFormat, readRecords } from './read-records.js';
import type { CliDeps } from './triage-command.js';

const MALICIOUS = new Set(['true_positive', 'malicious', 'tp', 'true', '1', 'attack']);
const BENIGN = new Set(['benign_positive', 'false_positive', 'benign', 'fp', 'bp', 'false', '0', 'not_attack']);

/** An analyst's closing label as an expected class; anything else is ambiguous (replayed, not scored). */
export function parseLabel(value: unknown): ExpectedLabel {
  const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value).trim().toLowerCase() : '';
  if (MALICIOUS.has(text)) return 'malicious';
  if (BENIGN.has(text)) return 'benign';
  return 'ambiguous';
}

/**
 * `verdict backtest FILE`: shadow mode on your own closed alerts. Replays them in time order as a
 * fresh deployment, feeds a share of the labels back after a delay, and reports what Verdict
 * would have closed and missed. The label field is removed before Verdict sees a record.
 */
export function createBacktestCommand(plugins: readonly PlatformPluginV1[]) {
  return (program: Command, _deps: CliDeps): void => {
    program
      .command('backtest')
      .description('Shadow mode: replay your closed alerts (with their labels) and measure what Verdict would have done')
      .argument('<file>', 'JSONL, JSON or CSV of alerts with a label field')
      .option('-c, --config <file>', 'config file (YAML or JSON)')
      .option('-l, --label <field>', 'field holding the analyst label (true_positive / benign_positive / false_positive)', 'label')
      .option('-p, --platform <id>', 'platform of the records; default: detect')
      .option('-m, --map <name>', 'field map from the config for generic records')
      .option('--share <fraction>', 'share of alerts whose label is fed back as a disposition', '0.05')
      .option('--delay <seconds>', 'stream-time delay before a label is fed back', '3600')
      .option('-o, --out <file>', 'write the report as JSON')
      .option('--report <file>', 'write a self-contained HTML report')
      .action(async (file: string, options: { config?: string; label: string; platform?: string; map?: string; share: string; delay: string; out?: string; report?: string }) => {
        const share = Number(options.share);
        const delay = Number(options.delay);
        if (!(share >= 0 && share <= 1)) throw new ConfigError('--share must be between 0 and 1 (e.g. 0.05 for 5 %)');
        if (!(delay >= 0)) throw new ConfigError('--delay must be a number of seconds ≥ 0');
        const loaded = loadConfig(options.config);
        const fieldMap = options.map === undefined ? undefined : loaded.config.fieldMaps[options.map];
        if (options.map !== undefined && !fieldMap) throw new ConfigError(`field map "${options.map}" is not in the config: define fieldMaps.${options.map}`);
        const normalizer = createNormalizer(plugins);
        const items: Array<BacktestItem & { timeMs: number; order: number }> = [];
        const rejected: string[] = [];
        let order = 0;
        let labelled = 0;
        const fieldsSeen = new Set<string>();
        for await (const entry of readRecords(file, detectFormat(file))) {
          order += 1;
          if ('unreadable' in entry) {
            rejected.push(entry.unreadable);
            continue;
          }
          const record = entry.record as Record<string, unknown>;
          if (record !== null && typeof record === 'object') {
            if (Object.hasOwn(record, options.label)) labelled += 1;
            else if (fieldsSeen.size < 30) for (const key of Object.keys(record)) fieldsSeen.add(key);
          }
          const expected = parseLabel(record?.[options.label]);
          const withoutLabel = { ...record };
          delete withoutLabel[options.label];
          let alert: Alert;
          try {
            alert = normalizer.normalize(withoutLabel, { ...(options.platform ? { platform: options.platform } : {}), ...(fieldMap ? { fieldMap } : {}) });
          } catch (error) {
            if (!VerdictError.isInstance(error)) throw error;
            rejected.push(`record ${order}: ${error.message}`);
            continue;
          }
          // Group view: one alert type on one host with one label, weighted once.
          const host = alert.entities.find((entity) => entity.kind === 'host')?.value ?? '';
          items.push({ native: alert, expected, groupKey: `${alert.ruleName}\u0000${host}\u0000${expected}`, timeMs: Date.parse(alert.time), order });
        }
        if (order > 0 && labelled === 0) {
          throw new ConfigError(
            `no record has the label field "${options.label}": pass --label with the field that holds the analyst's disposition (fields seen: ${[...fieldsSeen].slice(0, 15).join(', ') || 'none'})`,
          );
        }
        items.sort((left, right) => left.timeMs - right.timeMs || left.order - right.order);
        const { engine } = createOfflineEngine(loaded);
        const report = await runBacktest(items, { engine, normalize: (native) => native as Alert, feedbackShare: share, feedbackDelaySeconds: delay, thresholds: loaded.config.decide.thresholds });
        const m = report.metrics;
        const attacks = report.confusion.true_positive.malicious + report.confusion.inconclusive.malicious + report.confusion.benign_positive.malicious + report.confusion.false_positive.malicious;
        const benign = report.confusion.true_positive.benign + report.confusion.inconclusive.benign + report.confusion.benign_positive.benign + report.confusion.false_positive.benign;
        const closedBenign = report.confusion.benign_positive.benign + report.confusion.false_positive.benign;
        // Counts first: a share never rounds a missed attack away (formatPercent never shows 100 % short of it).
        process.stdout.write(
          `Replayed ${m.alerts} alerts (${m.scored} labelled; ${report.feedback.given} labels fed back). ` +
            `Attacks kept open: ${attacks - m.missedAttacks} of ${attacks} (${formatPercent(m.truePositiveRecall)}); auto-close precision ${formatPercent(m.autoClosePrecision)}; ` +
            `non-attacks auto-closed: ${closedBenign} of ${benign} (${formatPercent(m.reduction)}; rule+host suppression list: ${formatPercent(report.baselines.ruleHostMemory.reduction)}); ` +
            `abstained ${formatPercent(m.abstainRate)}; attacks that would have been closed: ${m.missedAttacks}${report.missedAlertIds.length ? ` (${report.missedAlertIds.slice(0, 5).join(', ')}${report.missedAlertIds.length > 5 ? ', …' : ''})` : ''}.\n`,
        );
        for (const reason of rejected.slice(0, 5)) process.stderr.write(`  skipped: ${reason}\n`);
        if (options.out) writeOutput(options.out, `${JSON.stringify(report, null, 2)}\n`);
        if (options.report) {
          writeOutput(
            options.report,
            renderBacktestHtml({ title: `Verdict back-test: ${path.basename(file)}`, generatedAt: new Date().toISOString(), datasets: [{ name: path.basename(file), report }] }),
          );
          process.stdout.write(`Report written to ${options.report}\n`);
        }
      });
  };
}

function writeOutput(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
