import type { Command } from 'commander';
import { ConfigError } from '../spec/errors.js';
import type { TriageResult } from '../spec/result.js';
import type { CliDeps } from './triage-command.js';

/** `verdict explain ID`: the stored verdict with its evidence and trace, readable. */
export function registerExplainCommand(program: Command, deps: CliDeps): void {
  program
    .command('explain')
    .description('Show a stored verdict with its evidence, trace and recommended actions')
    .argument('<alertId>', 'alert id')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--json', 'print the stored result as JSON')
    .action(async (alertId: string, options: { config?: string; json?: boolean }) => {
      const runtime = await deps.openRuntime(options.config);
      try {
        const result = await runtime.repository.getResult(alertId);
        if (!result) throw new ConfigError(`no stored verdict for alert ${alertId}: run verdict triage on it first (ids are the alert ids shown in the triage output)`);
        process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderExplanation(result));
      } finally {
        await runtime.close();
      }
    });
}

export function renderExplanation(result: TriageResult): string {
  const lines: string[] = [];
  lines.push(`Alert ${result.alertId} (${result.platform}) — ${result.ruleName}${result.ruleAuthor ? ` (rule by ${result.ruleAuthor})` : ''}`);
  lines.push(`Verdict: ${result.verdict}   probability malicious ${result.probabilityMalicious.toFixed(3)}   confidence ${result.confidence.toFixed(3)}`);
  lines.push(
    `Engine: ${result.engine.version} ${result.engine.mode} (config ${result.engine.configDigest})${result.engine.model ? `, model ${result.engine.model}, prompt ${result.engine.promptVersion}` : ''}`,
  );
  lines.push(`Calibration: ${describeCalibration(result)}`);
  if (result.revision !== undefined && result.revision > 1) lines.push(`Revision ${result.revision}: the verdict changed when the alert was judged again.`);
  if (result.duplicateOf) lines.push(`Duplicate of ${result.duplicateOf}: its verdict was reused.`);
  lines.push('', result.summary, '', 'Evidence:');
  for (const item of result.evidence) {
    lines.push(`  ${item.id.padEnd(6)} ${formatWeight(item.weight)}  [${item.source}] ${item.claim}`);
    if (item.detail) lines.push(`         detail: ${item.detail}`);
    if (item.refs.length > 0) lines.push(`         refs: ${item.refs.join(', ')}`);
  }
  if (result.attack.length > 0) {
    lines.push('', 'ATT&CK:');
    for (const technique of result.attack) lines.push(`  ${technique.id} ${technique.name} (${technique.tactics.join(', ') || 'no tactic'}) — ${technique.origin}`);
  }
  lines.push('', 'Trace:');
  const claims = new Map(result.evidence.map((item) => [item.id, item.claim]));
  for (const step of result.trace) {
    // An enrich step cites its evidence item; older results repeat the claim in `found`.
    const found = step.stage === 'enrich' && step.found === `[${step.evidenceIds[0]}]` ? (claims.get(step.evidenceIds[0]!) ?? step.found) : step.found;
    lines.push(`  ${step.stage.padEnd(9)} ${step.component.padEnd(14)} ${formatWeight(step.delta)} → ${step.scoreAfter.toFixed(3)}  ${found}`);
  }
  lines.push('', 'Recommended actions:');
  for (const action of result.recommendedActions) {
    lines.push(`  ${action.action} ${action.target} — blast radius ${action.blastRadius}; ${action.requiresApproval ? 'needs approval' : 'no approval needed'} (${action.policyRule})`);
  }
  return `${lines.join('\n')}\n`;
}

function describeCalibration(result: TriageResult): string {
  const calibration = result.engine.calibration;
  if (!calibration) return 'not recorded (a verdict from an older version)';
  const raw = `score ${calibration.rawProbability.toFixed(3)} → probability ${result.probabilityMalicious.toFixed(3)}`;
  if (calibration.method === 'isotonic') return `an isotonic map learned from ${calibration.samples} analyst dispositions in this deployment (${raw})`;
  if (calibration.method === 'prior') return `none learned yet (${calibration.samples} dispositions so far; the score is the probability until there are enough of both kinds)`;
  return 'off (decide.calibration.method: none); the score is the probability';
}

function formatWeight(weight: number): string {
  return `${weight >= 0 ? '+' : ''}${weight.toFixed(2)}`.padStart(6);
}
