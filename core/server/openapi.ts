import { z } from 'zod';
import { stringify } from 'yaml';
import { AlertV1Schema } from '../spec/alert.js';
import { DispositionV1Schema } from '../spec/disposition.js';
import { RecommendedActionSchema, TriageResultV1Schema } from '../spec/result.js';
import { VERDICT_VERSION } from '../version.js';
import {
  ApprovalDecisionSchema,
  ApprovalListQuerySchema,
  ApprovalPageSchema,
  ApprovalSchema,
  ErrorResponseSchema,
  FeedbackRequestSchema,
  FeedbackResponseSchema,
  FieldErrorSchema,
  HealthSchema,
  JobSchema,
  TriageQuerySchema,
  TriageRequestSchema,
  TriageResponseSchema,
  VerdictListQuerySchema,
  VerdictPageSchema,
} from './api-schemas.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './hook-signature.js';

type JsonObject = Record<string, unknown>;

const REF = (id: string) => `#/components/schemas/${id}`;
/** Answer without a token: probes and this document. */
const PUBLIC_OPERATIONS = new Set(['health', 'ready', 'openapi']);

/** Request bodies are described as clients write them (defaults optional), responses as the server sends them. */
const INPUT_COMPONENTS: Record<string, z.ZodType> = {
  TriageRequest: TriageRequestSchema,
  Alert: AlertV1Schema,
  FeedbackRequest: FeedbackRequestSchema,
  Disposition: DispositionV1Schema,
  ApprovalDecision: ApprovalDecisionSchema,
};
const OUTPUT_COMPONENTS: Record<string, z.ZodType> = {
  TriageResponse: TriageResponseSchema,
  TriageResult: TriageResultV1Schema,
  RecommendedAction: RecommendedActionSchema,
  FieldError: FieldErrorSchema,
  Error: ErrorResponseSchema,
  VerdictPage: VerdictPageSchema,
  FeedbackResponse: FeedbackResponseSchema,
  Approval: ApprovalSchema,
  ApprovalPage: ApprovalPageSchema,
  Health: HealthSchema,
  Job: JobSchema,
};

/** OpenAPI 3.1 of the HTTP API, generated from the zod schemas the handlers validate with. */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Verdict',
      version: VERDICT_VERSION,
      description: 'Alert triage: a verdict, a calibrated confidence, the evidence and a recommended response for every security alert.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:8477', description: 'verdict serve (default address)' }],
    security: [{ bearerToken: [] }],
    tags: [{ name: 'triage' }, { name: 'feedback' }, { name: 'approvals' }, { name: 'hooks' }, { name: 'operations' }],
    paths: {
      '/v1/triage': {
        post: operation('triageAlerts', 'triage', 'Triage one alert or a batch', ['triage'], {
          description:
            'Send one alert, an array, or {"alerts": [...]}. Records that cannot be normalized are listed under errors (and dead-lettered); the rest of the batch goes on. A single alert that fails answers 400. With an Idempotency-Key a retry returns the first answer and counts once. With async=true the answer is 202 and a job to poll.',
          parameters: [
            ...queryParameters(TriageQuerySchema),
            idempotencyKeyParameter(),
            { name: 'Prefer', in: 'header', required: false, description: 'respond-async: the same as async=true', schema: { type: 'string' } },
          ],
          requestBody: jsonBody('TriageRequest'),
          responses: {
            200: { ...jsonResponse('Verdicts, and the records that failed', 'TriageResponse'), headers: replayedHeader() },
            202: { ...jsonResponse('Accepted (async=true): poll statusUrl', 'Job'), headers: { Location: { description: 'The statusUrl', schema: { type: 'string' } } } },
            413: errorResponse('Body or batch too large'),
            ...idempotencyResponses(),
          },
        }),
      },
      '/v1/jobs/{id}': {
        get: operation('getJob', 'triage', 'An asynchronous triage job: pending, or its verdicts', ['triage'], {
          description: 'Only the token that started the job (or an admin) sees it; jobs are kept 24 hours. While pending the answer carries Retry-After.',
          parameters: [pathParameter('id', 'Job id (jobId of the 202 answer)')],
          responses: { 200: jsonResponse('The job', 'Job'), 404: errorResponse('No such job for this token') },
        }),
      },
      '/v1/verdicts': {
        get: operation('listVerdicts', 'triage', 'List verdicts, newest alert first', ['triage'], {
          parameters: queryParameters(VerdictListQuerySchema),
          responses: { 200: jsonResponse('One page of verdicts', 'VerdictPage') },
        }),
      },
      '/v1/verdicts/{id}': {
        get: operation('getVerdict', 'triage', 'The verdict on one alert', ['triage'], {
          parameters: [pathParameter('id', 'Alert id')],
          responses: { 200: jsonResponse('The verdict', 'TriageResult'), 404: errorResponse('No verdict for this alert id') },
        }),
      },
      '/v1/feedback': {
        post: operation('submitFeedback', 'feedback', "Record analysts' dispositions", ['feedback'], {
          description: "The analyst's own verdict on an alert; Verdict learns from it. analyst defaults to the token's name and time to now.",
          parameters: [idempotencyKeyParameter()],
          requestBody: jsonBody('FeedbackRequest'),
          responses: { 200: { ...jsonResponse('How many were recorded, and which failed', 'FeedbackResponse'), headers: replayedHeader() }, ...idempotencyResponses() },
        }),
      },
      '/v1/approvals': {
        get: operation('listApprovals', 'approvals', 'List approvals (pending by default)', ['approve'], {
          parameters: queryParameters(ApprovalListQuerySchema),
          responses: { 200: jsonResponse('One page of approvals', 'ApprovalPage') },
        }),
      },
      '/v1/approvals/{id}': {
        get: operation('getApproval', 'approvals', 'One approval and its status', ['approve', 'triage'], {
          parameters: [pathParameter('id', 'Approval id')],
          responses: { 200: jsonResponse('The approval', 'Approval'), 404: errorResponse('No such approval') },
        }),
      },
      '/v1/approvals/{id}/decision': {
        post: operation('decideApproval', 'approvals', 'Approve or reject a pending action', ['approve'], {
          description: 'Whoever requested the action can never decide it. An approval past its expiry can no longer be approved.',
          parameters: [pathParameter('id', 'Approval id')],
          requestBody: jsonBody('ApprovalDecision'),
          responses: {
            200: jsonResponse('The decided approval', 'Approval'),
            404: errorResponse('No such approval'),
            409: errorResponse('Already decided, or expired'),
          },
        }),
      },
      '/v1/hooks/{platform}': {
        post: {
          ...operation('receiveHook', 'hooks', 'Receive a platform webhook (HMAC-signed)', [], {
            description: `Authenticated by signature instead of a token: ${TIMESTAMP_HEADER} is the unix time of signing, ${SIGNATURE_HEADER} is sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> with the platform's shared secret (VERDICT_HOOK_SECRET_<PLATFORM>). Replays and timestamps outside the window are refused.`,
            parameters: [
              pathParameter('platform', 'Platform id of the payload'),
              { name: TIMESTAMP_HEADER, in: 'header', required: true, schema: { type: 'string', pattern: '^\\d{1,12}$' } },
              { name: SIGNATURE_HEADER, in: 'header', required: true, schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' } },
            ],
            requestBody: jsonBody('TriageRequest'),
            responses: { 200: jsonResponse('Verdicts, and the records that failed', 'TriageResponse') },
          }),
          security: [],
        },
      },
      '/healthz': { get: { ...operation('health', 'operations', 'Liveness', [], { responses: { 200: jsonResponse('Alive', 'Health') } }), security: [] } },
      '/readyz': {
        get: {
          ...operation('ready', 'operations', 'Readiness: the store answers', [], { responses: { 200: jsonResponse('Ready', 'Health'), 503: jsonResponse('The store does not answer', 'Health') } }),
          security: [],
        },
      },
      '/metrics': {
        get: operation('metrics', 'operations', 'Prometheus metrics (any valid token)', [], {
          responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
        }),
      },
      '/openapi.json': {
        get: {
          ...operation('openapi', 'operations', 'This document', [], { responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } }),
          security: [],
        },
      },
    },
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token from `verdict token create`; each route needs one of its scopes (admin has all).' },
      },
      schemas: { ...components(INPUT_COMPONENTS, 'input'), ...components(OUTPUT_COMPONENTS, 'output') },
    },
  };
}

/** The document as written to manifests/soar/openapi.yaml. */
export function renderOpenApiYaml(): string {
  return `# Generated by scripts/build-openapi.ts from the server's zod schemas (npm run openapi). Do not edit.\n${stringify(buildOpenApiDocument(), { lineWidth: 0 })}`;
}

function components(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, { uri: REF, io, unrepresentable: 'any' }).schemas;
  const result: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(generated)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
    result[id] = rest;
  }
  return result;
}

function queryParameters(schema: z.ZodObject): JsonObject[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return { name, in: 'query', required: json.required?.includes(name) ?? false, schema: propertySchema, ...(description ? { description } : {}) };
  });
}

function operation(operationId: string, tag: string, summary: string, scopes: string[], rest: JsonObject): JsonObject {
  const isPublic = PUBLIC_OPERATIONS.has(operationId);
  const responses = {
    ...(rest.responses as JsonObject),
    ...(isPublic ? {} : { 400: errorResponse('Invalid input: errors names each failing field'), 401: errorResponse('No valid token (or signature)'), 429: rateLimited() }),
    ...(scopes.length ? { 403: errorResponse(`The token lacks the scope (${scopes.join(' or ')})`) } : {}),
  };
  return { operationId, tags: [tag], summary, ...(scopes.length ? { 'x-verdict-scopes': scopes } : {}), ...rest, responses };
}

function jsonBody(component: string): JsonObject {
  return { required: true, content: { 'application/json': { schema: { $ref: REF(component) } } } };
}

function jsonResponse(description: string, component: string): JsonObject {
  return { description, content: { 'application/json': { schema: { $ref: REF(component) } } } };
}

function errorResponse(description: string): JsonObject {
  return { description, content: { 'application/problem+json': { schema: { $ref: REF('Error') } } } };
}

function idempotencyKeyParameter(): JsonObject {
  return {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'Any unique string (a UUID): a retry with the same key and body returns the first answer (header Idempotency-Replayed: true) and counts once. Kept 24 hours per token.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  };
}

function replayedHeader(): JsonObject {
  return { 'Idempotency-Replayed': { description: 'true when this is the stored answer to an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } } };
}

function idempotencyResponses(): JsonObject {
  return {
    409: {
      ...errorResponse('The first request with this Idempotency-Key is still running: retry after Retry-After'),
      headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
    },
    422: errorResponse('This Idempotency-Key was first used with a different request'),
  };
}

function rateLimited(): JsonObject {
  return { ...errorResponse('Rate limit of this token exceeded'), headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } };
}

function pathParameter(name: string, description: string): JsonObject {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } };
}
