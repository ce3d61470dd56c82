import type { TriageResult, Verdict } from '../../core/spec/result.js';

/**
 * The Markdown case comment (Kibana renders case comments as Markdown). Alert and engine text is
 * escaped so an alert cannot inject links, images or layout; the comment stays under the Cases
 * API limit of 30,000 characters. Pure.
 */

const VERDICT_LABEL: Record<Verdict, string> = {
  true_positive: 'True positive',
  benign_positive: 'Benign positive',
  false_positive: 'False positive',
  inconclusive: 'Inconclusive',
};

/** Cases API: `comment` is at most 30,000 characters. */
export const MAX_COMMENT_LENGTH = 30_000;

const percent = (value: number): string => `${Math.round(value * 100)}%`;

export function renderCaseComment(result: TriageResult, marker: string, isClosing: boolean): string {
  const lines = [
    `### Verdict: ${VERDICT_LABEL[result.verdict]} (confidence ${percent(result.confidence)})`,
    '',
    `**Alert** \`${code(result.alertId)}\` · **Rule** ${escapeMarkdown(result.ruleName)} · P(malicious) ${percent(result.probabilityMalicious)}${result.engine.mode === 'offline' ? '' : ` · engine ${result.engine.mode}`}${isClosing ? ' · **closed by policy**' : ''}`,
    '',
    escapeMarkdown(truncate(result.summary, 2000)),
  ];
  const evidence = [...result.evidence].sort((left, right) => Math.abs(right.weight) - Math.abs(left.weight)).slice(0, 8);
  if (evidence.length > 0) {
    lines.push('', '| weight | evidence | source |', '|---:|---|---|');
    for (const item of evidence) {
      lines.push(`| ${item.weight > 0 ? '+' : ''}${item.weight.toFixed(2)} | ${cell(truncate(item.claim, 300))} | ${cell(item.source)} |`);
    }
  }
  if (result.attack.length > 0) lines.push('', `**ATT&CK**: ${result.attack.map((technique) => `${technique.id} ${escapeMarkdown(technique.name)}`).join(', ')}`);
  if (result.recommendedActions.length > 0) {
    lines.push('', '**Recommended actions**');
    for (const action of result.recommendedActions.slice(0, 6)) {
      lines.push(`- ${action.action} \`${code(action.target)}\`${action.requiresApproval ? ' (needs approval)' : ''}: ${escapeMarkdown(truncate(action.reason, 200))}`);
    }
  }
  if (result.ruleAuthor) lines.push('', `Rule author: ${escapeMarkdown(result.ruleAuthor)}`);
  if (result.duplicateOf) lines.push('', `Duplicate of \`${code(result.duplicateOf)}\``);
  lines.push('', marker);
  const text = lines.join('\n');
  // The marker must survive truncation: it is how a retry recognises this comment.
  return text.length <= MAX_COMMENT_LENGTH ? text : `${text.slice(0, MAX_COMMENT_LENGTH - marker.length - 3)}…\n${marker}`;
}

/** Backslash-escapes Markdown punctuation and drops HTML-ish angle brackets' meaning. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, (character) => `\\${character}`).replace(/\r?\n/g, ' ');
}

function cell(text: string): string {
  return escapeMarkdown(text);
}

/** Inline code cannot hold a backtick or a newline. */
function code(text: string): string {
  return truncate(text.replace(/[`\r\n]/g, ' '), 300);
}

export function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
