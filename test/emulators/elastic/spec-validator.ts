import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

/**
 * Request and response validators built from the Kibana OpenAPI documents in
 * shared/specs/elastic (the emulator checks every Kibana body it receives and sends against
 * them). Two deliberate departures from a literal reading, both from platforms.md §7:
 * - `oneOf` is read as `anyOf`: the detections spec's `Reason` is `oneOf [ReasonEnum,
 *   string(1..1024)]`, so a predefined reason matches both branches and a strict oneOf would
 *   reject a valid close request; the same overlap exists in the cases comment unions.
 * - `nullable: true` admits null also where an `enum` omits it (OpenAPI 3.0 semantics).
 * - Formats are not checked (`date-time` is checked by the emulator itself with Date.parse).
 */

export const SPECS_DIR = resolve(import.meta.dirname, '../../../../shared/specs/elastic');

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Operation {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiDocument {
  paths: Record<string, Partial<Record<Method, Operation>>>;
}

export interface SpecCheck {
  ok: boolean;
  errors: string[];
}

/** oneOf → anyOf, recursively (see above); `discriminator` left to anyOf. */
function relax(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relax);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'discriminator') continue;
    out[key === 'oneOf' ? 'anyOf' : key] = relax(value);
  }
  // OpenAPI 3.0: `nullable: true` admits null even where an `enum` does not list it.
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable; // ajv needs a type next to nullable: say it as "this, or null".
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

function newAjv(): Ajv {
  return new Ajv({ strict: false, allErrors: true, validateFormats: false });
}

export class OpenApiSpec {
  private readonly ajv = newAjv();
  private readonly document: OpenApiDocument;
  private readonly cache = new Map<string, ValidateFunction | null>();
  private readonly templates: Array<{ template: string; pattern: RegExp }>;

  constructor(
    private readonly id: string,
    file: string,
  ) {
    this.document = relax(parseYaml(readFileSync(file, 'utf8'))) as OpenApiDocument;
    this.ajv.addSchema(this.document as object, id);
    this.templates = Object.keys(this.document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
    }));
  }

  /** The spec's path template for a concrete path (`/api/cases/abc` → `/api/cases/{caseId}`). */
  templateOf(path: string): string | undefined {
    const exact = this.templates.find((entry) => entry.template === path);
    return (exact ?? this.templates.find((entry) => entry.pattern.test(path)))?.template;
  }

  hasOperation(method: string, path: string): boolean {
    const template = this.templateOf(path);
    return template !== undefined && this.document.paths[template]?.[method.toLowerCase() as Method] !== undefined;
  }

  checkRequest(method: string, path: string, body: unknown): SpecCheck {
    return this.check(method, path, 'request', body);
  }

  checkResponse(method: string, path: string, status: number, body: unknown): SpecCheck {
    return this.check(method, path, String(status), body);
  }

  /** A value against one of the document's component schemas (`RuleAction`, `Threat`, …). */
  checkComponent(name: string, value: unknown): SpecCheck {
    const key = `component ${name}`;
    let validate = this.cache.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${this.id}#/components/schemas/${name}` });
      this.cache.set(key, validate);
    }
    const ok = validate!(value) as boolean;
    return { ok, errors: ok ? [] : formatErrors(validate!.errors) };
  }

  private check(method: string, path: string, part: string, body: unknown): SpecCheck {
    const template = this.templateOf(path);
    if (template === undefined) return { ok: false, errors: [`${path}: not in the ${this.id} spec`] };
    const key = `${method.toLowerCase()} ${template} ${part}`;
    let validate = this.cache.get(key);
    if (validate === undefined) {
      const pointer = this.schemaPointer(method.toLowerCase() as Method, template, part);
      validate = pointer ? this.ajv.compile({ $ref: `${this.id}#${pointer}` }) : null;
      this.cache.set(key, validate);
    }
    if (validate === null) return { ok: true, errors: [] }; // The spec declares no JSON schema here.
    const ok = validate(body) as boolean;
    return { ok, errors: ok ? [] : formatErrors(validate.errors) };
  }

  private schemaPointer(method: Method, template: string, part: string): string | undefined {
    const operation = this.document.paths[template]?.[method];
    if (!operation) return undefined;
    const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
    const base = `/paths/${escapePointer(template)}/${method}`;
    if (part === 'request') return operation.requestBody?.content?.['application/json']?.schema ? `${base}/requestBody/content/application~1json/schema` : undefined;
    const response = operation.responses?.[part] ?? operation.responses?.default;
    const status = operation.responses?.[part] ? part : 'default';
    return response?.content?.['application/json']?.schema ? `${base}/responses/${status}/content/application~1json/schema` : undefined;
  }
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .slice(0, 8)
    .map(
      (error) =>
        `${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}${error.params && 'allowedValues' in error.params ? ` (${(error.params.allowedValues as unknown[]).join(', ')})` : ''}`,
    );
}

let detections: OpenApiSpec | undefined;
let cases: OpenApiSpec | undefined;

export function detectionsSpec(): OpenApiSpec {
  detections ??= new OpenApiSpec('detections', join(SPECS_DIR, 'kibana-detections-alerts-api.yaml'));
  return detections;
}

export function casesSpec(): OpenApiSpec {
  cases ??= new OpenApiSpec('cases', join(SPECS_DIR, 'kibana-cases-api.yaml'));
  return cases;
}

/**
 * Validators for `.webhook` connector config and secrets from specs/elastic/actions. Five files
 * they reference were not available upstream (specs/README.md); their shapes below are the
 * unconfirmed ones that README gives, kept apart so they are easy to replace.
 */
const UNAVAILABLE_ACTION_SCHEMAS: Record<string, unknown> = {
  'ca.yaml': { type: 'string', description: 'base64 CA certificate (unconfirmed shape)' },
  'cert_type.yaml': { type: 'string', enum: ['ssl-crt-key', 'ssl-pfx'] },
  'has_auth.yaml': { type: 'boolean' },
  'verification_mode.yaml': { type: 'string', enum: ['full', 'certificate', 'none'] },
  'crt.yaml': { type: 'string', description: 'base64 certificate (unconfirmed shape)' },
};

let actionsAjv: Ajv | undefined;

export function connectorValidator(name: 'webhook_config' | 'webhook_secrets' | 'connector_types'): ValidateFunction {
  if (!actionsAjv) {
    actionsAjv = newAjv();
    const directory = join(SPECS_DIR, 'actions');
    for (const file of ['auth_type.yaml', 'connector_types.yaml', 'key.yaml', 'pfx.yaml', 'webhook_config.yaml', 'webhook_secrets.yaml']) {
      actionsAjv.addSchema(relax(parseYaml(readFileSync(join(directory, file), 'utf8'))) as object, file);
    }
    for (const [file, schema] of Object.entries(UNAVAILABLE_ACTION_SCHEMAS)) actionsAjv.addSchema(schema as object, file);
  }
  const validate = actionsAjv.getSchema(`${name}.yaml`);
  if (!validate) throw new Error(`no schema ${name}.yaml`);
  return validate;
}

export function describeErrors(validate: ValidateFunction): string[] {
  return formatErrors(validate.errors);
}
