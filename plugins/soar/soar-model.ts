import { VerdictError } from '../../core/spec/errors.js';

/**
 * What every SOAR artefact is generated from: the operations a playbook step calls and the fields
 * it reads, taken from the OpenAPI document (the server's own, or manifests/soar/openapi.yaml).
 * An operation or field the document no longer has fails here, so no artefact can drift from it.
 */
export interface SoarParameter {
  name: string;
  in: 'query' | 'header' | 'path';
  description: string;
  required: boolean;
  enum?: string[];
}

export interface SoarOperation {
  operationId: string;
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  scopes: string[];
  parameters: SoarParameter[];
}

export interface SoarField {
  name: string;
  /** JSON Schema type: string, number, integer, boolean, array, object. */
  type: string;
  description: string;
  enum?: string[];
  required: boolean;
}

export const SOAR_OPERATION_IDS = {
  triage: 'triageAlerts',
  getVerdict: 'getVerdict',
  listVerdicts: 'listVerdicts',
  feedback: 'submitFeedback',
  getJob: 'getJob',
  health: 'health',
} as const;
export type SoarOperationKey = keyof typeof SOAR_OPERATION_IDS;

export interface SoarModel {
  title: string;
  version: string;
  defaultServer: string;
  operations: Record<SoarOperationKey, SoarOperation>;
  /** Scalar fields of a verdict (TriageResult), in document order. */
  resultFields: SoarField[];
  /** Scalar fields of one recommended action. */
  actionFields: SoarField[];
  /** Fields of a disposition (feedback), in document order. */
  dispositionFields: SoarField[];
  /** Fields of a problem details answer (RFC 9457). */
  problemFields: SoarField[];
  verdicts: string[];
  analystVerdicts: string[];
}

type Json = Record<string, unknown>;

/** Where the OpenAPI document says nothing, what a playbook author is told about a field. */
const FALLBACK_DESCRIPTIONS: Record<string, string> = {
  alertId: 'Id of the alert the verdict is on',
  platform: 'Platform the alert came from',
  ruleName: 'Detection rule that raised the alert',
  ruleAuthor: 'Author of the detection rule',
  verdict: 'true_positive, benign_positive, false_positive or inconclusive',
  confidence: 'How sure Verdict is of the verdict, 0 to 1 (calibrated)',
  probabilityMalicious: 'Calibrated probability that the alert is malicious, 0 to 1',
  summary: 'One-paragraph explanation citing the evidence',
  fingerprint: 'Fingerprint of the alert (same rule and entities)',
  duplicateOf: 'Alert id whose verdict this duplicate reused',
  revision: 'Revision of this verdict; it grows when the verdict is revised',
  alertTime: 'When the alert was raised',
  createdAt: 'When the verdict was given',
  action: 'Recommended action',
  target: 'What the action applies to',
  requiresApproval: 'True when a human must approve the action first',
  note: 'Free text kept with the disposition',
  analyst: "Analyst's name (defaults to the token holder)",
  time: 'When the analyst decided (defaults to now)',
};

export function soarModelFromOpenApi(document: Json): SoarModel {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const info = (document.info ?? {}) as Json;
  const servers = (document.servers ?? []) as Json[];
  const operations = Object.fromEntries(Object.entries(SOAR_OPERATION_IDS).map(([key, operationId]) => [key, findOperation(document, operationId)])) as Record<SoarOperationKey, SoarOperation>;
  const result = componentFields(schemas, 'TriageResult');
  const verdict = result.find((field) => field.name === 'verdict');
  const disposition = componentFields(schemas, 'Disposition');
  return {
    title: String(info.title ?? 'Verdict'),
    version: String(info.version ?? '0.0.0'),
    defaultServer: String(servers[0]?.url ?? 'http://127.0.0.1:8477'),
    operations,
    resultFields: result.filter(isScalar),
    actionFields: componentFields(schemas, 'RecommendedAction').filter(isScalar),
    dispositionFields: disposition.filter((field) => isScalar(field) || field.type === 'array'),
    problemFields: componentFields(schemas, 'Error').filter(isScalar),
    verdicts: verdict?.enum ?? fail('TriageResult.verdict has no enum'),
    analystVerdicts: disposition.find((field) => field.name === 'verdict')?.enum ?? fail('Disposition.verdict has no enum'),
  };
}

function findOperation(document: Json, operationId: string): SoarOperation {
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      const operation = raw as Json;
      if (operation.operationId !== operationId) continue;
      const parameters = ((operation.parameters ?? []) as Json[]).map((parameter): SoarParameter => {
        const schema = (parameter.schema ?? {}) as Json;
        return {
          name: String(parameter.name),
          in: parameter.in as SoarParameter['in'],
          description: String(parameter.description ?? ''),
          required: parameter.required === true,
          ...(Array.isArray(schema.enum) ? { enum: schema.enum.map(String) } : {}),
        };
      });
      return {
        operationId,
        method: method.toUpperCase() as SoarOperation['method'],
        path,
        summary: String(operation.summary ?? operationId),
        scopes: (operation['x-verdict-scopes'] ?? []) as string[],
        parameters,
      };
    }
  }
  return fail(`the OpenAPI document has no operation ${operationId}: the SOAR artefacts call it`);
}

function componentFields(schemas: Record<string, Json>, name: string): SoarField[] {
  const schema = schemas[name] ?? fail(`the OpenAPI document has no schema ${name}`);
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries((schema.properties ?? {}) as Record<string, Json>).map(([field, property]) => ({
    name: field,
    type: String(property.type ?? (property.$ref ? 'object' : 'string')),
    description: String(property.description ?? FALLBACK_DESCRIPTIONS[field] ?? `${name}.${field}`),
    ...(Array.isArray(property.enum) ? { enum: property.enum.map(String) } : {}),
    required: required.has(field),
  }));
}

function isScalar(field: SoarField): boolean {
  return field.type === 'string' || field.type === 'number' || field.type === 'integer' || field.type === 'boolean';
}

function fail(message: string): never {
  throw new VerdictError(`SOAR artefacts: ${message}`);
}

/** The path of an operation with its path parameters filled in (URL-encoded). */
export function operationPath(operation: SoarOperation, values: Record<string, string> = {}): string {
  return operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(values[name] ?? fail(`missing path parameter ${name}`)));
}
