import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ARM_SPEC_DIR } from './spec-paths.js';
import type { SchemaIssue } from './graph-schema.js';

/**
 * The Sentinel incidents API read from its Swagger 2.0 spec (`Incidents.json`, api-version
 * 2025-12-01) with cross-file `$ref`s resolved. `validateArmBody` checks a request body as the
 * resource provider does: required properties, enum values, types, formats (uuid, date-time),
 * and properties the definition does not declare.
 */

type Schema = Record<string, unknown>;

const files = new Map<string, Schema>();
function loadFile(file: string): Schema {
  let document = files.get(file);
  if (!document) {
    document = JSON.parse(readFileSync(file, 'utf8')) as Schema;
    files.set(file, document);
  }
  return document;
}

export const INCIDENTS_SPEC_FILE = join(ARM_SPEC_DIR, 'Incidents.json');

interface Located {
  schema: Schema;
  file: string;
}

function resolveRef(ref: string, fromFile: string): Located {
  const [filePart, pointer = ''] = ref.split('#');
  const file = filePart ? resolve(dirname(fromFile), filePart) : fromFile;
  let node: unknown = loadFile(file);
  for (const segment of pointer.split('/').filter(Boolean)) node = (node as Schema)[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (typeof node !== 'object' || node === null) throw new Error(`unresolvable $ref ${ref} from ${fromFile}`);
  return { schema: node as Schema, file };
}

/** A definition of Incidents.json by name, e.g. `Incident`, `IncidentComment`. */
export function armDefinition(name: string): Located {
  return resolveRef(`#/definitions/${name}`, INCIDENTS_SPEC_FILE);
}

/** The `enum` of a property of `IncidentProperties` (e.g. classification). */
export function armIncidentEnum(property: string): string[] {
  const { schema, file } = armDefinition('IncidentProperties');
  const located = deref({ schema: (schema.properties as Record<string, Schema>)[property]!, file });
  return located.schema.enum as string[];
}

function deref(located: Located): Located {
  let current = located;
  for (let depth = 0; typeof current.schema.$ref === 'string' && depth < 20; depth += 1) {
    const target = resolveRef(current.schema.$ref, current.file);
    // Sibling keywords next to $ref (readOnly, description) apply too.
    const { $ref: _ref, ...siblings } = current.schema;
    current = { schema: { ...target.schema, ...siblings }, file: target.file };
  }
  return current;
}

/** Properties and required names of an object schema, merging `allOf`. */
function objectShape(located: Located): { properties: Map<string, Located>; required: Set<string> } {
  const properties = new Map<string, Located>();
  const required = new Set<string>();
  const visit = (item: Located): void => {
    const resolved = deref(item);
    for (const part of (resolved.schema.allOf as Schema[] | undefined) ?? []) visit({ schema: part, file: resolved.file });
    for (const [name, schema] of Object.entries((resolved.schema.properties as Record<string, Schema> | undefined) ?? {})) properties.set(name, { schema, file: resolved.file });
    for (const name of (resolved.schema.required as string[] | undefined) ?? []) required.add(name);
  };
  visit(located);
  return { properties, required };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateArmBody(value: unknown, definition: string): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  check(value, armDefinition(definition), '', issues);
  return issues;
}

function check(value: unknown, located: Located, path: string, issues: SchemaIssue[]): void {
  const { schema, file } = deref(located);
  const name = path || '(body)';
  if (schema.readOnly === true) return; // The RP ignores read-only members sent back from a GET.
  const isObject = schema.type === 'object' || schema.properties !== undefined || schema.allOf !== undefined;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    issues.push({ path: name, message: `'${String(value)}' is not one of ${schema.enum.join(', ')}` });
    return;
  }
  if (schema.type === 'string') {
    if (typeof value !== 'string') issues.push({ path: name, message: 'expected a string' });
    else if (schema.format === 'uuid' && !UUID.test(value)) issues.push({ path: name, message: 'expected a uuid' });
    else if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) issues.push({ path: name, message: 'expected a date-time' });
    else if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) issues.push({ path: name, message: `does not match ${schema.pattern}` });
    return;
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    if (typeof value !== 'number') issues.push({ path: name, message: `expected ${String(schema.type)}` });
    return;
  }
  if (schema.type === 'boolean') {
    if (typeof value !== 'boolean') issues.push({ path: name, message: 'expected a boolean' });
    return;
  }
  if (schema.type === 'array') {
    if (!Array.isArray(value)) issues.push({ path: name, message: 'expected an array' });
    else value.forEach((item, index) => check(item, { schema: schema.items as Schema, file }, `${path}[${index}]`, issues));
    return;
  }
  if (!isObject) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path: name, message: 'expected an object' });
    return;
  }
  const shape = objectShape({ schema, file });
  if (shape.properties.size === 0 && schema.additionalProperties !== undefined) return; // a dictionary
  const record = value as Record<string, unknown>;
  for (const required of shape.required) if (record[required] === undefined) issues.push({ path: path ? `${path}.${required}` : required, message: 'is required' });
  for (const [key, item] of Object.entries(record)) {
    if (item === undefined) continue; // absent in JSON
    const property = shape.properties.get(key);
    const childPath = path ? `${path}.${key}` : key;
    if (!property) issues.push({ path: childPath, message: `could not find member '${key}' on the definition` });
    else if (item !== null) check(item, property, childPath, issues);
  }
}
