/**
 * A validator for the pykwalify schema language demisto-sdk validates XSOAR content with
 * (shared/specs/soar/xsoar/integration.schema.yml): `type` (map, seq, str, int, float, number,
 * bool, any), `mapping`, `sequence`, `required`, `enum`, `include` of top-level `schema;<name>`
 * rules, `allowempty` (a map may hold keys its mapping does not list; a key given as a regex
 * applies to any key it matches). A key the mapping does not list is an error, as in pykwalify.
 */
export interface KwalifyRule {
  type?: string;
  required?: boolean;
  enum?: unknown[];
  mapping?: Record<string, KwalifyRule>;
  sequence?: KwalifyRule[];
  include?: string;
  allowempty?: boolean;
}

export interface KwalifyIssue {
  path: string;
  message: string;
}

export function validateKwalify(schema: Record<string, unknown>, value: unknown): KwalifyIssue[] {
  const definitions = new Map<string, KwalifyRule>();
  for (const [key, rule] of Object.entries(schema)) {
    if (key.startsWith('schema;')) definitions.set(key.slice('schema;'.length), rule as KwalifyRule);
  }
  const issues: KwalifyIssue[] = [];
  check(schema as KwalifyRule, value, '', definitions, issues);
  return issues;
}

function check(ruleOrInclude: KwalifyRule, value: unknown, path: string, definitions: Map<string, KwalifyRule>, issues: KwalifyIssue[]): void {
  let rule = ruleOrInclude;
  if (rule.include) {
    const included = definitions.get(rule.include);
    if (!included) {
      issues.push({ path, message: `the schema includes ${rule.include}, which it does not define` });
      return;
    }
    rule = { ...included, ...(ruleOrInclude.required !== undefined ? { required: ruleOrInclude.required } : {}) };
  }
  if (value === null || value === undefined) {
    // pykwalify: a required key given no value fails (required.novalue); an optional one may be null.
    if (rule.required) issues.push({ path: path || '(root)', message: 'is required, and is null' });
    return;
  }
  const type = rule.type ?? (rule.mapping ? 'map' : rule.sequence ? 'seq' : 'str');
  if (!hasType(type, value)) {
    issues.push({ path: path || '(root)', message: `expected ${type}, got ${describe(value)}` });
    return;
  }
  if (rule.enum && !rule.enum.includes(value)) issues.push({ path, message: `${JSON.stringify(value)} is not one of ${rule.enum.map((item) => JSON.stringify(item)).join(', ')}` });
  if (type === 'map' && rule.mapping) {
    const object = value as Record<string, unknown>;
    const patterns = Object.entries(rule.mapping).filter(([key]) => /[.*+?^$()[\]|\\]/.test(key) && !/^[\w:]+$/.test(key));
    for (const [key, child] of Object.entries(rule.mapping)) {
      const childRule = child.include ? { ...definitions.get(child.include), ...child } : child;
      if (childRule.required && !(key in object)) issues.push({ path: join(path, key), message: 'is required' });
    }
    for (const [key, childValue] of Object.entries(object)) {
      const child = Object.hasOwn(rule.mapping, key) ? rule.mapping[key] : patterns.find(([pattern]) => new RegExp(`^(?:${pattern})$`).test(key))?.[1];
      if (child) check(child, childValue, join(path, key), definitions, issues);
      else if (!rule.allowempty) issues.push({ path: join(path, key), message: 'is not a key the schema allows' });
    }
  }
  if (type === 'seq' && rule.sequence?.[0]) {
    for (const [index, item] of (value as unknown[]).entries()) check(rule.sequence[0], item, `${path}[${index}]`, definitions, issues);
  }
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'seq':
      return Array.isArray(value);
    case 'str':
      return typeof value === 'string';
    case 'int':
      return Number.isInteger(value);
    case 'float':
    case 'number':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'a sequence' : value === null ? 'null' : typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
