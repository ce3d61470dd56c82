import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPath } from '../../../core/normalize/finalize.js';
import { compareSortValues, matches, parseSort, QueryError, sortValues, type StoredDocument } from './query.js';
import { SPECS_DIR } from './spec-validator.js';

/**
 * What the Elasticsearch side of the emulator holds: indices and aliases, data streams created
 * from index templates, component templates (the ECS ones of specs/elastic/ecs preloaded), ingest
 * pipelines, points in time. Errors are Elasticsearch's own types and reasons.
 */

export class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
  }

  body(): Record<string, unknown> {
    const cause = { type: this.type, reason: this.message, ...this.extra };
    return { error: { root_cause: [cause], ...cause }, status: this.status };
  }
}

export interface IndexTemplate {
  index_patterns: string[];
  composed_of?: string[];
  data_stream?: Record<string, unknown>;
  priority?: number;
  template?: { settings?: Record<string, unknown>; mappings?: { properties?: Record<string, unknown>; dynamic?: unknown } };
  _meta?: Record<string, unknown>;
}

interface Index {
  name: string;
  documents: Map<string, StoredDocument>;
  dataStream?: string;
  defaultPipeline?: string;
  mappings: Record<string, string>;
}

interface PointInTime {
  documents: StoredDocument[];
  expiresAt: number;
}

export const ECS_VERSION = '9.4.0';

export class ElasticsearchState {
  readonly indices = new Map<string, Index>();
  /** alias or data stream name → backing index names (the last one is the write index). */
  readonly aliases = new Map<string, string[]>();
  readonly componentTemplates = new Map<string, { template: IndexTemplate['template']; _meta?: unknown }>();
  readonly indexTemplates = new Map<string, IndexTemplate>();
  readonly pipelines = new Map<string, { description?: string; processors: Array<Record<string, unknown>>; _meta?: unknown }>();
  private readonly pits = new Map<string, PointInTime>();
  private sequence = 0;

  constructor(private readonly now: () => number) {
    // The ECS component templates as `ecs_<version>_<fieldset>` (specs/elastic/ecs/template.json names).
    const directory = join(SPECS_DIR, 'ecs');
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.json') && name !== 'template.json')) {
      const parsed = JSON.parse(readFileSync(join(directory, file), 'utf8')) as { template: IndexTemplate['template']; _meta?: unknown };
      this.componentTemplates.set(`ecs_${ECS_VERSION}_${file.replace(/\.json$/, '')}`, parsed);
    }
    // Elasticsearch's built-in `logs` template: any `logs-*-*` write creates a data stream.
    this.indexTemplates.set('logs', { index_patterns: ['logs-*-*'], data_stream: {}, priority: 100, _meta: { description: 'default logs template installed by x-pack', managed: true } });
  }

  /** Alias with one backing index, as the detection engine sets up `.alerts-security.alerts-<space>`. */
  createAliasedIndex(alias: string, backing: string): void {
    if (!this.indices.has(backing)) this.indices.set(backing, { name: backing, documents: new Map(), mappings: {} });
    this.aliases.set(alias, [backing]);
  }

  /** Index names a request target resolves to (index, alias, data stream, `*` patterns, comma lists). */
  resolve(target: string, options: { ignoreUnavailable?: boolean } = {}): string[] {
    const names = new Set<string>();
    for (const part of target.split(',')) {
      if (part.includes('*')) {
        const pattern = new RegExp(`^${part.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        for (const name of [...this.indices.keys(), ...this.aliases.keys()]) if (pattern.test(name)) for (const index of this.resolve(name)) names.add(index);
      } else if (this.aliases.has(part)) {
        for (const index of this.aliases.get(part)!) names.add(index);
      } else if (this.indices.has(part)) {
        names.add(part);
      } else if (!options.ignoreUnavailable) {
        throw new EsError(404, 'index_not_found_exception', `no such index [${part}]`, { 'resource.type': 'index_or_alias', 'resource.id': part, index: part });
      }
    }
    return [...names];
  }

  documentsOf(target: string, options: { ignoreUnavailable?: boolean } = {}): StoredDocument[] {
    return this.resolve(target, options).flatMap((name) => [...this.indices.get(name)!.documents.values()]);
  }

  /** The concrete index a write to `target` goes to; creates a data stream when a template says so. */
  writeIndex(target: string): Index {
    const existing = this.aliases.get(target);
    if (existing) return this.indices.get(existing.at(-1)!)!;
    const index = this.indices.get(target);
    if (index) return index;
    const template = this.matchingTemplate(target);
    const mappings = template ? this.composedMappings(template) : {};
    const pipeline = template?.template?.settings ? readPath(template.template.settings, 'index.default_pipeline') : undefined;
    const date = new Date(this.now()).toISOString().slice(0, 10).replace(/-/g, '.');
    const name = template?.data_stream ? `.ds-${target}-${date}-000001` : target;
    const created: Index = { name, documents: new Map(), mappings, ...(template?.data_stream ? { dataStream: target } : {}), ...(typeof pipeline === 'string' ? { defaultPipeline: pipeline } : {}) };
    this.indices.set(name, created);
    if (template?.data_stream) this.aliases.set(target, [name]);
    return created;
  }

  matchingTemplate(name: string): IndexTemplate | undefined {
    const candidates = [...this.indexTemplates.values()].filter((template) =>
      template.index_patterns.some((pattern) => new RegExp(`^${pattern.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name)),
    );
    return candidates.sort((left, right) => (right.priority ?? 0) - (left.priority ?? 0))[0];
  }

  /** Flattened field → type of a template: component templates first, the template's own last. */
  composedMappings(template: IndexTemplate): Record<string, string> {
    const types: Record<string, string> = {};
    const walk = (properties: unknown, prefix: string): void => {
      if (typeof properties !== 'object' || properties === null) return;
      for (const [name, spec] of Object.entries(properties as Record<string, { type?: string; properties?: unknown }>)) {
        const path = prefix ? `${prefix}.${name}` : name;
        if (spec.properties) walk(spec.properties, path);
        if (spec.type) types[path] = spec.type;
      }
    };
    for (const name of template.composed_of ?? []) walk(this.componentTemplates.get(name)?.template?.mappings?.properties, '');
    walk(template.template?.mappings?.properties, '');
    return types;
  }

  putIndexTemplate(name: string, body: unknown): void {
    if (typeof body !== 'object' || body === null) throw new EsError(400, 'parse_exception', 'request body is required');
    const template = body as IndexTemplate;
    if (!Array.isArray(template.index_patterns) || template.index_patterns.length === 0) {
      throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;');
    }
    const missing = (template.composed_of ?? []).filter((component) => !this.componentTemplates.has(component));
    if (missing.length > 0) {
      throw new EsError(
        400,
        'invalid_index_template_exception',
        `index_template [${name}] invalid, cause [index template [${name}] specifies component templates [${missing.join(', ')}] that do not exist]`,
      );
    }
    // A default_pipeline that does not exist is accepted here, as by Elasticsearch; writes then fail.
    this.indexTemplates.set(name, template);
  }

  putPipeline(name: string, body: unknown): void {
    const pipeline = body as { processors?: unknown; description?: string; _meta?: unknown };
    if (!Array.isArray(pipeline?.processors)) throw new EsError(400, 'parse_exception', '[processors] required property is missing', { property_name: 'processors' });
    for (const processor of pipeline.processors as Array<Record<string, unknown>>) {
      const [type] = Object.keys(processor ?? {});
      if (!type || !SUPPORTED_PROCESSORS.has(type)) throw new EsError(400, 'parse_exception', `No processor type exists with name [${type ?? ''}]`, { processor_type: type });
    }
    this.pipelines.set(name, {
      processors: pipeline.processors as Array<Record<string, unknown>>,
      ...(pipeline.description ? { description: pipeline.description } : {}),
      ...(pipeline._meta ? { _meta: pipeline._meta } : {}),
    });
  }

  /** One bulk item: the document as it is stored, or an EsError for that item only. */
  writeDocument(target: string, opType: 'create' | 'index', id: string | undefined, source: Record<string, unknown>): { index: Index; document: StoredDocument; created: boolean } {
    const index = this.writeIndex(target);
    if (index.dataStream && opType !== 'create') throw new EsError(400, 'illegal_argument_exception', `only write ops with an op_type of create are allowed in data streams`);
    const processed = index.defaultPipeline ? this.runPipeline(index.defaultPipeline, source) : source;
    if (index.dataStream && readPath(processed, '@timestamp') === undefined)
      throw new EsError(400, 'document_parsing_exception', '[1:1] failed to parse: data stream timestamp field [@timestamp] is missing');
    checkMappings(index.mappings, processed);
    const documentId = id ?? randomUUID().replace(/-/g, '').slice(0, 20);
    for (const name of index.dataStream ? this.aliases.get(index.dataStream)! : [index.name]) {
      if (opType === 'create' && this.indices.get(name)?.documents.has(documentId)) {
        throw new EsError(409, 'version_conflict_engine_exception', `[${documentId}]: version conflict, document already exists (current version [1])`, { index: index.name, shard: '0' });
      }
    }
    const document: StoredDocument = { _id: documentId, _index: index.name, _source: processed, seqNo: (this.sequence += 1) };
    index.documents.set(documentId, document);
    return { index, document, created: true };
  }

  private runPipeline(name: string, source: Record<string, unknown>): Record<string, unknown> {
    const pipeline = this.pipelines.get(name);
    if (!pipeline) throw new EsError(400, 'illegal_argument_exception', `pipeline with id [${name}] does not exist`);
    const document = structuredClone(source);
    for (const processor of pipeline.processors) {
      const [type, options] = Object.entries(processor)[0] as [string, Record<string, unknown>];
      const field = String(options.field ?? '');
      if (type === 'set') {
        if (options.override === false && readPath(document, field) !== undefined) continue;
        const value =
          options.value === '{{{_ingest.timestamp}}}' || options.value === '{{_ingest.timestamp}}'
            ? new Date(this.now()).toISOString()
            : options.copy_from
              ? readPath(document, String(options.copy_from))
              : options.value;
        setPath(document, field, value);
      } else if (type === 'remove') {
        for (const path of Array.isArray(options.field) ? options.field : [options.field]) deletePath(document, String(path));
      }
    }
    return document;
  }

  openPit(target: string, keepAlive: string): string {
    const documents = this.documentsOf(target).map((document) => ({ ...document, _source: structuredClone(document._source) }));
    const id = Buffer.from(`pit:${randomUUID()}`).toString('base64');
    this.pits.set(id, { documents, expiresAt: this.now() + parseKeepAlive(keepAlive) });
    return id;
  }

  pitDocuments(id: string, keepAlive: string | undefined): StoredDocument[] {
    const pit = this.pits.get(id);
    if (!pit || pit.expiresAt < this.now()) {
      this.pits.delete(id);
      throw new EsError(404, 'search_context_missing_exception', `No search context found for id [${id.slice(0, 16)}]`);
    }
    if (keepAlive) pit.expiresAt = this.now() + parseKeepAlive(keepAlive);
    return pit.documents;
  }

  closePit(id: string): boolean {
    return this.pits.delete(id);
  }

  get openPits(): number {
    return this.pits.size;
  }

  search(documents: StoredDocument[], body: Record<string, unknown>): { hits: Array<Record<string, unknown>>; total: number } {
    const known = ['query', 'sort', 'size', 'from', 'search_after', 'pit', 'track_total_hits', '_source', 'fields', 'aggs', 'runtime_mappings'];
    for (const key of Object.keys(body)) if (!known.includes(key)) throw new EsError(400, 'parsing_exception', `Unknown key for a START_OBJECT in [${key}].`);
    const keys = parseSort(body.sort);
    if (body.search_after !== undefined && keys.length === 0) throw new EsError(400, 'illegal_argument_exception', 'Cannot use [search_after] without sort');
    if (Array.isArray(body.search_after) && body.search_after.length !== keys.length) {
      throw new EsError(400, 'illegal_argument_exception', `search_after has ${body.search_after.length} value(s) but sort has ${keys.length}.`);
    }
    let selected: StoredDocument[];
    try {
      selected = documents.filter((document) => matches(document, body.query));
    } catch (error) {
      if (error instanceof QueryError) throw new EsError(400, error.type, error.message);
      throw error;
    }
    const withValues = selected.map((document) => ({ document, values: sortValues(document, keys) }));
    if (keys.length > 0) withValues.sort((left, right) => compareSortValues(left.values, right.values, keys) || left.document.seqNo - right.document.seqNo);
    const after = Array.isArray(body.search_after) ? body.search_after : undefined;
    const remaining = after ? withValues.filter((item) => compareSortValues(item.values, after, keys) > 0) : withValues;
    const size = body.size === undefined ? 10 : Number(body.size);
    if (!Number.isInteger(size) || size < 0 || size > 10_000)
      throw new EsError(400, 'illegal_argument_exception', `Result window is too large, from + size must be less than or equal to: [10000] but was [${String(body.size)}].`);
    const from = Number(body.from ?? 0);
    const page = remaining.slice(from, from + size);
    return {
      total: selected.length,
      hits: page.map(({ document, values }) => ({
        _index: document._index,
        _id: document._id,
        _score: keys.length > 0 ? null : 1,
        _source: document._source,
        ...(keys.length > 0 ? { sort: values } : {}),
      })),
    };
  }
}

const SUPPORTED_PROCESSORS = new Set(['set', 'remove', 'rename', 'lowercase', 'append', 'date', 'convert', 'script', 'pipeline', 'fingerprint']);

function parseKeepAlive(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new EsError(400, 'parse_exception', `failed to parse setting [keep_alive] with value [${text}] as a time value: unit is missing or unrecognized`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}

function setPath(document: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = document;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function deletePath(document: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let node: unknown = document;
  for (const part of parts.slice(0, -1)) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  if (typeof node === 'object' && node !== null) delete (node as Record<string, unknown>)[parts.at(-1)!];
}

const NUMERIC = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long']);

/** The mapping errors Elasticsearch raises for a value of the wrong type (mapper_parsing_exception). */
function checkMappings(types: Record<string, string>, document: Record<string, unknown>): void {
  const walk = (value: unknown, path: string): void => {
    const type = types[path];
    if (Array.isArray(value)) {
      for (const item of value) walk(item, path);
      return;
    }
    if (value !== null && typeof value === 'object') {
      if (type && type !== 'object' && type !== 'nested' && type !== 'flattened') {
        throw new EsError(400, 'document_parsing_exception', `[1:1] failed to parse field [${path}] of type [${type}] in document. Preview of field's value: '${JSON.stringify(value).slice(0, 60)}'`);
      }
      if (type === 'flattened') return;
      for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
      return;
    }
    if (type === undefined || value === null) return;
    const fail = (): never => {
      throw new EsError(400, 'document_parsing_exception', `[1:1] failed to parse field [${path}] of type [${type}] in document. Preview of field's value: '${String(value).slice(0, 60)}'`);
    };
    if (NUMERIC.has(type) && !(typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))))) fail();
    if (type === 'date' && !(typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Date.parse(value))))) fail();
    if (type === 'boolean' && !(typeof value === 'boolean' || value === 'true' || value === 'false')) fail();
    if (type === 'ip' && (typeof value !== 'string' || !/^[0-9a-fA-F:.]+$/.test(value))) fail();
  };
  walk(document, '');
}
