import type { ParsedConf } from './conf-file.js';

/**
 * A validator generated from Splunk `.conf.spec` files (shared/specs/splunk/, Splunk 9.2.0):
 * column-0 `[stanza]` headers and `key = <type or choice>` lines; `<name>`/`<n>` parts are
 * wildcards. Settings before the first header are global and valid in every stanza. A spec
 * with no headers accepts any stanza name.
 */

type ValueRule = { kind: 'any' } | { kind: 'boolean' } | { kind: 'pattern'; pattern: RegExp; description: string } | { kind: 'choice'; options: string[] };

interface KeyRule {
  key: string;
  pattern: RegExp;
  value: ValueRule;
}

interface StanzaRule {
  header: string;
  pattern: RegExp;
  keys: KeyRule[];
}

export interface ConfSpec {
  source: string[];
  globalKeys: KeyRule[];
  stanzas: StanzaRule[];
}

export interface SpecIssue {
  line: number;
  stanza: string;
  key?: string;
  message: string;
}

const BOOLEAN_VALUES = new Set(['true', 'false', '1', '0', 't', 'f', 'yes', 'no', 'y', 'n']);

export function parseConfSpec(text: string, source: string): ConfSpec {
  const spec: ConfSpec = { source: [source], globalKeys: [], stanzas: [] };
  let current: KeyRule[] = spec.globalKeys;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line === '' || /^[\s#*]/.test(line)) continue;
    const header = line.match(/^\[(.*)\]\s*$/);
    if (header) {
      const stanza: StanzaRule = { header: header[1] ?? '', pattern: wildcardPattern(header[1] ?? ''), keys: [] };
      spec.stanzas.push(stanza);
      current = stanza.keys;
      continue;
    }
    const setting = line.match(/^([^=\s[][^=]*?)\s*=\s*(.*)$/);
    if (!setting?.[1]) continue;
    current.push({ key: setting[1], pattern: wildcardPattern(setting[1]), value: valueRule(setting[2] ?? '') });
  }
  return spec;
}

/** An app's own README/<file>.conf.spec extends the platform spec of the same file. */
export function mergeConfSpecs(base: ConfSpec, extension: ConfSpec): ConfSpec {
  return {
    source: [...base.source, ...extension.source],
    globalKeys: [...base.globalKeys, ...extension.globalKeys],
    stanzas: [...base.stanzas, ...extension.stanzas],
  };
}

export function validateConf(conf: ParsedConf, spec: ConfSpec, options: { anyStanza?: boolean } = {}): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const acceptsAnyStanza = options.anyStanza === true || spec.stanzas.length === 0;
  const specNames = spec.source.join(' + ');
  for (const stanza of conf.stanzas) {
    const matching = spec.stanzas.filter((rule) => rule.pattern.test(stanza.name));
    if (!acceptsAnyStanza && matching.length === 0 && stanza.name !== 'default') {
      issues.push({ line: stanza.line, stanza: stanza.name, message: `stanza [${stanza.name}] is not defined by ${specNames}` });
      continue;
    }
    const rules = options.anyStanza ? [...spec.globalKeys, ...spec.stanzas.flatMap((rule) => rule.keys)] : [...matching.flatMap((rule) => rule.keys), ...spec.globalKeys];
    for (const setting of stanza.settings) {
      const candidates = rules.filter((rule) => rule.pattern.test(setting.key));
      if (candidates.length === 0) {
        issues.push({ line: setting.line, stanza: stanza.name, key: setting.key, message: `key ${setting.key} is not valid in [${stanza.name}] per ${specNames}` });
        continue;
      }
      const problems = candidates.map((rule) => checkValue(rule.value, setting.value));
      if (problems.every((problem) => problem !== undefined)) {
        issues.push({ line: setting.line, stanza: stanza.name, key: setting.key, message: `${setting.key} = ${JSON.stringify(setting.value)}: ${problems[0]} (${specNames})` });
      }
    }
  }
  return issues;
}

function checkValue(rule: ValueRule, value: string): string | undefined {
  if (rule.kind === 'any') return undefined;
  if (value === '') return 'a value is required';
  if (rule.kind === 'boolean') return BOOLEAN_VALUES.has(value.toLowerCase()) ? undefined : 'expected a boolean (true/false/1/0)';
  if (rule.kind === 'pattern') return rule.pattern.test(value) ? undefined : `expected ${rule.description}`;
  return rule.options.includes(value) ? undefined : `expected one of ${rule.options.join(', ')}`;
}

const INTEGER_RULES: Array<[RegExp, RegExp, string]> = [
  [/^<(integer|int|number)>$/i, /^-?\d+$/, 'an integer'],
  [/^<positive integer>$/i, /^[1-9]\d*$/, 'a positive integer'],
  [/^<(non-negative|nonnegative|unsigned|zero or positive) integer>$/i, /^\d+$/, 'a non-negative integer'],
];

function valueRule(specValue: string): ValueRule {
  const text = specValue.trim();
  if (/^<bool(ean)?>$/i.test(text)) return { kind: 'boolean' };
  for (const [shape, pattern, description] of INTEGER_RULES) if (shape.test(text)) return { kind: 'pattern', pattern, description };
  // `<integer>[m|s|h|d]`, `<integer>[p]`: an integer with an optional unit suffix.
  const suffixed = text.match(/^<integer>\[([\w|]+)\]$/i);
  if (suffixed?.[1]) {
    const units = suffixed[1].split('|');
    return { kind: 'pattern', pattern: new RegExp(`^\\d+(${units.join('|')})?$`), description: `an integer with an optional ${units.join('/')} suffix` };
  }
  // Choices: [a|b], {a|b}, <a|b> or bare `a | b`; a placeholder among them means free text.
  const wrapped = text.match(/^[[{<](.*)[\]}>]$/);
  const body = wrapped && text.includes('|') ? (wrapped[1] ?? '') : text;
  if (body.includes('|')) {
    const options = body.split('|').map((option) => option.trim());
    if (options.every((option) => /^[\w.:-]+$/.test(option))) return { kind: 'choice', options };
  }
  return { kind: 'any' };
}

/** Literal text with `<…>` placeholders as wildcards, matched whole. */
function wildcardPattern(text: string): RegExp {
  const parts = text.split(/(<[^>]*>)/).map((part) => (part.startsWith('<') && part.endsWith('>') ? '.+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}$`);
}
