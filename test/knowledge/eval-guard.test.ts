import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ALERT_TAXONOMY } from '../../core/enrich/knowledge/alert-taxonomy.js';
import { COMMAND_RULES, PARENT_CHILD_RULES, ROUTINE_PROCESSES } from '../../core/enrich/command-line/command-line-rules.js';
import { FILE_RULES, IMAGE_LOAD_RULES } from '../../core/enrich/registry-file/registry-file.js';
import { REGISTRY_RULES, VALUE_DATA_RULES } from '../../core/enrich/registry-file/registry-rules.js';
import { KNOWN_TOOLS } from '../../core/enrich/knowledge/windows-binaries.js';
import { STAGING_FOLDERS } from '../../core/enrich/knowledge/windows-paths.js';
import { guardHits, readEvalText, readPublicText, regexLiterals, type KnowledgePattern } from '../../scripts/knowledge/eval-guard.js';
import { EVAL_DIR } from '../eval-data.js';

/**
 * The eval is for measuring only: no knowledge row or taxonomy pattern may carry text found in an
 * eval title, rule or command line (case and punctuation normalised, as a substring) unless a public
 * source says the same words. A failure names the row, the words and where the eval has them.
 */
const DATA_DIR = path.join(path.dirname(EVAL_DIR), 'data');
const evalText = readEvalText(EVAL_DIR);
const publicText = readPublicText(DATA_DIR);
const exemptionFile = parseYaml(readFileSync(new URL('../../scripts/knowledge/sources/guard-exemptions.yaml', import.meta.url), 'utf8')) as {
  exemptions: Array<{ literal: string; reference: string }>;
};
const exemptions = new Map(exemptionFile.exemptions.map((entry) => [entry.literal, entry.reference]));

function knowledgePatterns(): KnowledgePattern[] {
  const event = (id: string, pattern: RegExp | undefined): KnowledgePattern[] => (pattern ? [{ id, source: pattern.source, reads: 'event' }] : []);
  return [
    ...ALERT_TAXONOMY.map((entry): KnowledgePattern => ({ id: `title-taxonomy:${entry.id}`, source: entry.pattern.source, reads: 'title' })),
    ...COMMAND_RULES.flatMap((rule) => event(`command-rules:${rule.id}`, rule.pattern)),
    ...PARENT_CHILD_RULES.flatMap((rule) => [...event(`process-rules:${rule.id}`, rule.parent), ...event(`process-rules:${rule.id}`, rule.child)]),
    ...ROUTINE_PROCESSES.flatMap((rule, index) => [...event(`process-rules:routine-${index}`, rule.image), ...event(`process-rules:routine-${index}`, rule.commandLine)]),
    ...REGISTRY_RULES.flatMap((rule) => [...event(`registry-rules:${rule.id}`, rule.pattern), ...event(`registry-rules:${rule.id}`, rule.data)]),
    ...VALUE_DATA_RULES.flatMap((rule) => event(`registry-rules:${rule.id}`, rule.pattern)),
    ...[...FILE_RULES, ...IMAGE_LOAD_RULES].flatMap((rule) => [
      ...event(`file-rules:${rule.id}`, rule.pattern),
      ...event(`file-rules:${rule.id}`, rule.actor),
      ...event(`file-rules:${rule.id}`, rule.exceptActor),
    ]),
    ...[...KNOWN_TOOLS, ...STAGING_FOLDERS].flatMap((rule) => event(`windows-programs:${rule.id}`, rule.pattern)),
  ];
}

describe('eval guard: knowledge is not read off the eval', () => {
  it('reads the eval it guards (titles, rule text, command lines)', () => {
    expect(evalText.titles.length).toBeGreaterThan(200);
    expect(evalText.ruleTexts.length).toBeGreaterThan(100);
    expect(evalText.commandLines.length).toBeGreaterThan(50);
  });

  it('finds no knowledge row or taxonomy pattern whose words come from an eval item and no public source', () => {
    const patterns = knowledgePatterns();
    expect(patterns.length).toBeGreaterThan(500);
    const hits = guardHits(patterns, evalText, publicText, exemptions);
    expect(hits.map((hit) => `${hit.id}: "${hit.literal}" is in an eval ${hit.where} (${hit.example})`)).toEqual([]);
  });

  it('catches the eval-lifted rows it was written against (the guard can fail)', () => {
    const lifted: KnowledgePattern[] = [
      { id: 'first-sudo', source: String.raw`\bfirst time user executed sudo\b`, reads: 'title' },
      { id: 'web-error-burst', source: String.raw`\bmultiple web server 4\d\d\b`, reads: 'title' },
      { id: 'anomaly-novelty', source: String.raw`^(?:new |unusual |high entropy|new characters|unusual occurrence|value deviates|value out of)`, reads: 'title' },
      { id: 'meta-ids', source: String.raw`\bfirst time this ids alert\b`, reads: 'title' },
      { id: 'dtrace-kernel-dump', source: String.raw`\blkd\s*\(`, reads: 'event' },
      { id: 'certutil-ntlm-coerce', source: String.raw`[-/]syncwithwu\b`, reads: 'event' },
    ];
    const flagged = new Set(guardHits(lifted, evalText, publicText, exemptions).map((hit) => hit.id));
    expect([...flagged].sort()).toEqual(['anomaly-novelty', 'certutil-ntlm-coerce', 'dtrace-kernel-dump', 'first-sudo', 'meta-ids', 'web-error-burst']);
  });

  it('compares words, not whole strings: a row that embeds an eval phrase is caught', () => {
    expect(regexLiterals(String.raw`\bfoo\b|^(?:prefix )?first time user executed sudo(?: again)?$`)).toContain('first time user executed sudo');
    const hits = guardHits([{ id: 'embedded', source: String.raw`(?:x|y) first time user executed sudo`, reads: 'title' }], evalText, publicText);
    expect(hits.map((hit) => hit.literal)).toEqual(['first time user executed sudo']);
  });

  it('lets general words through that a public source also uses', () => {
    expect(guardHits([{ id: 'general', source: String.raw`\bcredential dumping\b|\burlcache\b`, reads: 'event' }], evalText, publicText)).toEqual([]);
  });

  it('keeps every exemption documented', () => {
    for (const [literal, reference] of exemptions) expect(reference.length, literal).toBeGreaterThan(10);
  });
});
