import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { SHARED_SPECS } from './spec-paths.js';

/**
 * The Graph security model read from the CSDL (`graph-security-v1.0.csdl.xml`): entity and
 * complex types (with base types and abstract flags), their properties and types, and enum
 * members in declaration order. `validateGraphValue` checks a payload against it the way Graph
 * does: unknown properties, wrong primitive types, enum members that do not exist, and
 * `@odata.type` that names no type derived from the declared one are all errors.
 */

export interface CsdlProperty {
  name: string;
  /** `Edm.String`, `self.alertStatus`, `Collection(self.alertEvidence)`, … */
  type: string;
  isNullable: boolean;
}

export interface CsdlType {
  name: string;
  base?: string;
  isAbstract: boolean;
  isOpen: boolean;
  properties: Map<string, CsdlProperty>;
  navigation: Map<string, string>;
}

export interface CsdlModel {
  enums: Map<string, string[]>;
  types: Map<string, CsdlType>;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

type XmlNode = Record<string, unknown>;

let cached: CsdlModel | undefined;

export function loadGraphModel(): CsdlModel {
  if (cached) return cached;
  const xml = readFileSync(join(SHARED_SPECS, 'microsoft/graph-security-v1.0.csdl.xml'), 'utf8');
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['EnumType', 'Member', 'EntityType', 'ComplexType', 'Property', 'NavigationProperty'].includes(name),
  });
  const schema = (parser.parse(xml) as { Schema: XmlNode }).Schema;
  const enums = new Map<string, string[]>();
  for (const node of asArray(schema.EnumType as XmlNode[]))
    enums.set(
      String(node.Name),
      asArray(node.Member as XmlNode[]).map((member) => String(member.Name)),
    );
  const types = new Map<string, CsdlType>();
  for (const node of [...asArray(schema.EntityType as XmlNode[]), ...asArray(schema.ComplexType as XmlNode[])]) {
    const properties = new Map<string, CsdlProperty>();
    for (const property of asArray(node.Property as XmlNode[])) {
      properties.set(String(property.Name), { name: String(property.Name), type: String(property.Type), isNullable: property.Nullable !== 'false' });
    }
    const navigation = new Map<string, string>();
    for (const property of asArray(node.NavigationProperty as XmlNode[])) navigation.set(String(property.Name), String(property.Type));
    types.set(String(node.Name), {
      name: String(node.Name),
      ...(typeof node.BaseType === 'string' ? { base: node.BaseType } : {}),
      isAbstract: node.Abstract === 'true',
      isOpen: node.OpenType === 'true',
      properties,
      navigation,
    });
  }
  cached = { enums, types };
  return cached;
}

/** Members of a CSDL enum, in order. Throws on a name the CSDL does not define. */
export function enumMembers(name: string): string[] {
  const members = loadGraphModel().enums.get(name);
  if (!members) throw new Error(`CSDL has no enum ${name}`);
  return members;
}

const localName = (type: string): string => type.replace(/^(self|microsoft\.graph\.security)\./, '');

/** All properties of a type including its bases (`graph.entity` contributes `id`). */
export function propertiesOf(typeName: string): Map<string, CsdlProperty> {
  const model = loadGraphModel();
  const chain: CsdlType[] = [];
  for (let type = model.types.get(localName(typeName)); type; type = type.base ? model.types.get(localName(type.base)) : undefined) chain.unshift(type);
  const properties = new Map<string, CsdlProperty>();
  if (chain[0]?.base === 'graph.entity') properties.set('id', { name: 'id', type: 'Edm.String', isNullable: false });
  for (const type of chain) for (const [name, property] of type.properties) properties.set(name, property);
  return properties;
}

export function navigationOf(typeName: string): Map<string, string> {
  return loadGraphModel().types.get(localName(typeName))?.navigation ?? new Map();
}

function derivesFrom(typeName: string, baseName: string): boolean {
  const model = loadGraphModel();
  for (let type = model.types.get(localName(typeName)); type; type = type.base ? model.types.get(localName(type.base)) : undefined) {
    if (type.name === localName(baseName)) return true;
  }
  return false;
}

export interface SchemaIssue {
  path: string;
  message: string;
}

/**
 * Checks `value` against CSDL type `typeName`. `mode: 'write'` is for request bodies (where a
 * property absent from the type is a 400); `read` also checks non-nullable properties are there.
 */
export function validateGraphValue(value: unknown, typeName: string, options: { mode: 'read' | 'write'; path?: string } = { mode: 'read' }): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  check(value, typeName, options.path ?? '', options.mode, issues);
  return issues;
}

function check(value: unknown, type: string, path: string, mode: 'read' | 'write', issues: SchemaIssue[]): void {
  if (value === null) return;
  const collection = /^Collection\((.+)\)$/.exec(type);
  if (collection) {
    if (!Array.isArray(value)) issues.push({ path, message: `expected a collection of ${collection[1]}` });
    else value.forEach((item, index) => check(item, collection[1]!, `${path}[${index}]`, mode, issues));
    return;
  }
  switch (type) {
    case 'Edm.String':
    case 'Edm.Guid':
      if (typeof value !== 'string') issues.push({ path, message: `expected ${type}` });
      return;
    case 'Edm.DateTimeOffset':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) issues.push({ path, message: 'expected an ISO 8601 Edm.DateTimeOffset' });
      return;
    case 'Edm.Int32':
    case 'Edm.Int64':
      if (typeof value !== 'number' || !Number.isInteger(value)) issues.push({ path, message: `expected ${type}` });
      return;
    case 'Edm.Boolean':
      if (typeof value !== 'boolean') issues.push({ path, message: 'expected Edm.Boolean' });
      return;
    case 'Edm.Double':
      if (typeof value !== 'number') issues.push({ path, message: 'expected Edm.Double' });
      return;
  }
  const model = loadGraphModel();
  const name = localName(type);
  const members = model.enums.get(name);
  if (members) {
    if (typeof value !== 'string' || !members.includes(value)) issues.push({ path, message: `'${String(value)}' is not a member of ${name} (${members.join(', ')})` });
    return;
  }
  if (!model.types.has(name)) return; // graph.* types outside this CSDL excerpt: not checked.
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path, message: `expected a ${name} object` });
    return;
  }
  const record = value as Record<string, unknown>;
  let actual = name;
  const odataType = record['@odata.type'];
  if (typeof odataType === 'string') {
    const derived = odataType.replace(/^#?microsoft\.graph\.security\./, '');
    if (!model.types.has(derived) || !derivesFrom(derived, name)) {
      issues.push({ path: `${path}@odata.type`, message: `${odataType} is not ${name} or a type derived from it` });
      return;
    }
    actual = derived;
  } else if (model.types.get(name)!.isAbstract) {
    issues.push({ path, message: `${name} is abstract: give @odata.type` });
    return;
  }
  if (model.types.get(actual)!.isAbstract) issues.push({ path, message: `${actual} is abstract` });
  const properties = propertiesOf(actual);
  const navigation = navigationOf(actual);
  const isOpen = model.types.get(actual)!.isOpen;
  for (const [key, item] of Object.entries(record)) {
    if (key.startsWith('@odata.') || key.includes('@odata.')) continue;
    const property = properties.get(key);
    const childPath = path ? `${path}.${key}` : key;
    if (property) check(item, property.type, childPath, mode, issues);
    else if (navigation.has(key)) check(item, navigation.get(key)!, childPath, mode, issues);
    else if (!isOpen && name !== 'dictionary') issues.push({ path: childPath, message: `'${key}' is not a property of ${actual}` });
  }
  if (mode === 'read') {
    for (const property of properties.values()) {
      if (!property.isNullable && record[property.name] === undefined) issues.push({ path: path ? `${path}.${property.name}` : property.name, message: `non-nullable ${property.name} is missing` });
    }
  }
}
