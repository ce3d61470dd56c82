import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { normalizeTitle } from '../../core/enrich/knowledge/alert-knowledge.js';
import { buildProcedureModel, readAtomicProcedures } from './procedure-model.js';
import { ATOMIC_SOURCE, ATTACK_SOURCE, CURATED_SOURCE, ELASTIC_SOURCE, SPLUNK_SOURCE, type SourceRecord } from './sources.js';
import { buildTitleModel, isHeldApart, measureTitleModel, parentOf, type LabelledTitle } from './title-model.js';
import { inferProcedureTechniques } from '../../core/enrich/knowledge/procedure-techniques.js';
import { commandFeatures } from '../../core/enrich/knowledge/command-features.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCES_DIRECTORY = path.join(here, 'sources');
const GENERATOR = 'scripts/knowledge/generate.ts (npm run knowledge)';

/** Least vote share for a title technique, chosen on a development split of the training names (not the held-apart one). */
const TITLE_MIN_CONFIDENCE = 0.12;
/** Least share of a command feature's procedures that one technique must hold. */
const PROCEDURE_MIN_SHARE = 0.5;

interface AttackTechnique {
  id: string;
  name: string;
  parent: string | null;
  deprecated: boolean;
  revoked: boolean;
}

/** Every knowledge file, name → exact content. Pure in its inputs: the same sources give the same bytes. */
export function buildKnowledgeFiles(dataDirectory: string): Map<string, string> {
  const techniques = JSON.parse(readFileSync(path.join(dataDirectory, 'attack', 'enterprise-techniques.json'), 'utf8')) as AttackTechnique[];
  const catalogue = new Map(techniques.map((technique) => [technique.id, technique]));
  const files = new Map<string, string>();

  for (const name of ['command-rules', 'process-rules', 'registry-rules', 'file-rules', 'windows-programs']) {
    const source = readCurated(name);
    checkRows(name, source, catalogue);
    const { provenance, ...content } = source;
    files.set(`${name}.json`, formatJson({ provenance: provenanceOf([CURATED_SOURCE(`${name}.yaml`, (provenance as { basis: string }).basis), ATTACK_SOURCE]), ...content }));
  }

  const ruleNames = readRuleNames(dataDirectory);
  const procedures = readAtomicProcedures(path.join(dataDirectory, 'atomic-red-team', 'atomics'));
  // ATT&CK names and Atomic Red Team test names are labelled titles too; only rule names are held apart.
  const attackTitles = [...attackNameExamples(techniques), ...procedures.map((procedure) => ({ title: procedure.name, techniques: [procedure.technique], origin: 'attack' as const }))];
  const taxonomy = readCurated('title-taxonomy');
  checkRows('title-taxonomy', taxonomy, catalogue);
  const { provenance: taxonomyProvenance, ...taxonomyContent } = taxonomy;
  const rows = (taxonomyContent.rows as Array<{ pattern: string }>).map((row) => new RegExp(row.pattern));
  const covered = ruleNames.filter((example) => rows.some((pattern) => pattern.test(normalizeTitle(example.title)))).length;
  files.set(
    'title-taxonomy.json',
    formatJson({
      provenance: provenanceOf([CURATED_SOURCE('title-taxonomy.yaml', (taxonomyProvenance as { basis: string }).basis), ATTACK_SOURCE]),
      measured: { ruleNames: ruleNames.length, matchedByARow: covered, coverage: round(covered / ruleNames.length) },
      ...taxonomyContent,
    }),
  );

  // Title → technique: measured on a held-apart fifth of the rule names, shipped trained on all.
  const train = ruleNames.filter((example) => !isHeldApart(example.title));
  const heldApart = ruleNames.filter((example) => isHeldApart(example.title));
  const measured = measureTitleModel(buildTitleModel([...train, ...attackTitles], TITLE_MIN_CONFIDENCE), heldApart);
  const titleModel = buildTitleModel([...ruleNames, ...attackTitles], TITLE_MIN_CONFIDENCE);
  files.set(
    'title-techniques.json',
    formatJson({
      provenance: provenanceOf([ELASTIC_SOURCE, SPLUNK_SOURCE, ATTACK_SOURCE, ATOMIC_SOURCE]),
      about:
        'Title word and word-pair statistics of public rule names, ATT&CK technique names and Atomic Red Team test names: per feature, the names carrying it and the techniques their authors tagged. No rule name is stored.',
      measured: { protocol: 'one rule name in five held apart by a stable hash of the name; trained on the rest plus ATT&CK names; top technique scored at parent level', ...measured },
      documents: titleModel.documents,
      minConfidence: titleModel.minConfidence,
      features: titleModel.features,
    }),
  );

  const procedureModel = buildProcedureModel(procedures, PROCEDURE_MIN_SHARE);
  const heldProcedures = procedures.filter((procedure) => isHeldApart(`${procedure.technique} ${procedure.name}`));
  const trainedWithout = buildProcedureModel(
    procedures.filter((procedure) => !isHeldApart(`${procedure.technique} ${procedure.name}`)),
    PROCEDURE_MIN_SHARE,
  );
  let procedureCovered = 0;
  let procedureCorrect = 0;
  for (const procedure of heldProcedures) {
    const predicted = inferProcedureTechniques(trainedWithout, commandFeatures(procedure.command), 3);
    if (predicted.length === 0) continue;
    procedureCovered += 1;
    if (predicted.some((technique) => parentOf(technique.id) === parentOf(procedure.technique))) procedureCorrect += 1;
  }
  files.set(
    'procedure-techniques.json',
    formatJson({
      provenance: provenanceOf([ATOMIC_SOURCE, ATTACK_SOURCE]),
      about:
        'Command-line feature statistics of Atomic Red Team procedures (argument defaults substituted): per feature, the procedures using it and the techniques they carry out, kept where one technique holds most of them. No command is stored.',
      measured: {
        protocol: 'one procedure in five held apart by a stable hash of technique and test name; up to three techniques scored at parent level',
        procedures: heldProcedures.length,
        covered: procedureCovered,
        coverage: round(procedureCovered / heldProcedures.length),
        precision: round(procedureCorrect / Math.max(1, procedureCovered)),
        accuracy: round(procedureCorrect / heldProcedures.length),
      },
      procedures: procedureModel.procedures,
      minShare: procedureModel.minShare,
      features: procedureModel.features,
    }),
  );
  return files;
}

function readCurated(name: string): Record<string, unknown> {
  const document = parseYaml(readFileSync(path.join(SOURCES_DIRECTORY, `${name}.yaml`), 'utf8')) as Record<string, unknown> | null;
  if (document === null || typeof document !== 'object' || typeof (document.provenance as { basis?: unknown } | undefined)?.basis !== 'string') {
    throw new Error(`scripts/knowledge/sources/${name}.yaml: needs a provenance block with author, licence and basis`);
  }
  return document;
}

/** Every row: a unique id, patterns that compile, technique ids the ATT&CK catalogue knows, a finite weight. */
function checkRows(file: string, document: Record<string, unknown>, catalogue: ReadonlyMap<string, AttackTechnique>): void {
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(document)) {
    if (!Array.isArray(value)) continue;
    for (const row of value) {
      if (row === null || typeof row !== 'object') continue;
      const record = row as Record<string, unknown>;
      const where = `scripts/knowledge/sources/${file}.yaml ${key}[${String(record.id ?? value.indexOf(row))}]`;
      if (typeof record.id === 'string') {
        if (seen.has(record.id)) throw new Error(`${where}: duplicate id; give every row its own id`);
        seen.add(record.id);
      }
      for (const field of ['pattern', 'parent', 'child', 'image', 'commandLine', 'data', 'actor', 'exceptActor']) {
        if (typeof record[field] !== 'string') continue;
        try {
          new RegExp(record[field] as string, (record[`${field}Flags`] ?? record.flags ?? '') as string);
        } catch (error) {
          throw new Error(`${where}.${field}: not a regular expression (${(error as Error).message})`);
        }
      }
      for (const id of [...((record.techniques as string[] | undefined) ?? []), ...((record.attack as string[] | undefined) ?? [])]) {
        if (!catalogue.has(id)) throw new Error(`${where}: technique ${id} is not in the ATT&CK catalogue (v18.1 ids; successors are added at run time)`);
      }
      if ('weight' in record && !Number.isFinite(record.weight)) throw new Error(`${where}.weight: must be a number`);
    }
  }
}

function readRuleNames(dataDirectory: string): LabelledTitle[] {
  const examples: LabelledTitle[] = [];
  for (const [file, origin] of [
    ['elastic-detection-rules.jsonl', 'elastic'],
    ['splunk-security-content.jsonl', 'splunk'],
  ] as const) {
    for (const line of readFileSync(path.join(dataDirectory, 'rule-names', file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const row = JSON.parse(line) as { name: string; techniques: string[] };
      examples.push({ title: row.name, techniques: [...new Set(row.techniques.map((id) => id.toUpperCase()))], origin });
    }
  }
  return examples;
}

/** ATT&CK names as labelled titles: "OS Credential Dumping LSASS Memory" → T1003.001. */
function attackNameExamples(techniques: readonly AttackTechnique[]): LabelledTitle[] {
  const byId = new Map(techniques.map((technique) => [technique.id, technique]));
  return techniques
    .filter((technique) => !technique.revoked && !technique.deprecated)
    .map((technique) => ({ title: technique.parent ? `${byId.get(technique.parent)?.name ?? ''} ${technique.name}` : technique.name, techniques: [technique.id], origin: 'attack' as const }));
}

function provenanceOf(sources: SourceRecord[]): Record<string, unknown> {
  return { generator: GENERATOR, sources };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** Stable JSON: the top two levels one entry per line, deeper values on one line (rows and features stay greppable). */
export function formatJson(value: unknown, depth = 0): string {
  if (depth >= 2 || value === null || typeof value !== 'object') return JSON.stringify(value);
  const indent = '  '.repeat(depth + 1);
  const close = '  '.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => `${indent}${formatJson(item, depth + 1)}`).join(',\n')}\n${close}]${depth === 0 ? '\n' : ''}`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([key, item]) => `${indent}${JSON.stringify(key)}: ${formatJson(item, depth + 1)}`).join(',\n')}\n${close}}${depth === 0 ? '\n' : ''}`;
}
