import { isDeepStrictEqual } from 'node:util';
import type { ElasticApi } from './elastic-api.js';
import { isRecord } from './elastic-alert.js';
import type { ElasticManifests } from './elastic-manifests.js';

/**
 * `verdict install elastic`: applies manifests/elastic through the APIs, each object only when
 * it is missing or differs, and reports what changed. Running it twice changes nothing the
 * second time. ECS component templates already on the cluster are left as they are.
 */

export type InstallChange = 'created' | 'updated' | 'unchanged';

export interface InstallStep {
  kind: string;
  name: string;
  change: InstallChange;
}

export async function installElastic(api: ElasticApi, manifests: ElasticManifests): Promise<InstallStep[]> {
  const steps: InstallStep[] = [];
  for (const [name, component] of manifests.componentTemplates) {
    // Elasticsearch: GET/PUT /_component_template/<name>. An existing one (Fleet's, or ours) is kept.
    const existing = await api.esRequest('GET', `/_component_template/${encodeURIComponent(name)}`);
    if (existing === undefined) await api.esRequest('PUT', `/_component_template/${encodeURIComponent(name)}`, component);
    steps.push({ kind: 'component template', name, change: existing === undefined ? 'created' : 'unchanged' });
  }

  // Elasticsearch: GET/PUT /_ingest/pipeline/<id>; GET answers { <id>: pipeline }.
  const pipeline = await api.esRequest('GET', `/_ingest/pipeline/${manifests.pipelineName}`);
  const currentPipeline = isRecord(pipeline) ? pipeline[manifests.pipelineName] : undefined;
  steps.push(
    await apply('ingest pipeline', manifests.pipelineName, currentPipeline, manifests.pipeline, () => api.esRequest('PUT', `/_ingest/pipeline/${manifests.pipelineName}`, manifests.pipeline)),
  );

  // Elasticsearch: GET/PUT /_index_template/<name>; GET answers { index_templates: [{ name, index_template }] }.
  const template = await api.esRequest('GET', `/_index_template/${manifests.indexTemplateName}`);
  const currentTemplate = isRecord(template) && Array.isArray(template.index_templates) && isRecord(template.index_templates[0]) ? template.index_templates[0].index_template : undefined;
  steps.push(
    await apply('index template', manifests.indexTemplateName, currentTemplate, manifests.indexTemplate, () =>
      api.esRequest('PUT', `/_index_template/${manifests.indexTemplateName}`, manifests.indexTemplate),
    ),
  );

  // Kibana: GET /api/saved_objects/<type>/<id> to compare; POST /api/saved_objects/_import?overwrite=true for what differs.
  const changed: Array<Record<string, unknown>> = [];
  for (const object of manifests.savedObjects) {
    const current = await api.kibana('GET', `/api/saved_objects/${encodeURIComponent(String(object.type))}/${encodeURIComponent(String(object.id))}`).catch(ignoreNotFound);
    const isSame = isRecord(current) && contains(current.attributes, object.attributes) && contains(current.references, object.references);
    if (!isSame) changed.push(object);
    steps.push({ kind: `saved object (${String(object.type)})`, name: String(object.id), change: isSame ? 'unchanged' : current === undefined ? 'created' : 'updated' });
  }
  if (changed.length > 0) {
    const content = `${changed.map((object) => JSON.stringify(object)).join('\n')}\n`;
    const answer = await api.kibana('POST', '/api/saved_objects/_import?overwrite=true', undefined, { multipart: { field: 'file', filename: 'verdict.ndjson', content } });
    if (!isRecord(answer) || answer.success !== true) throw new Error(`Kibana saved-objects import failed: ${JSON.stringify(isRecord(answer) ? answer.errors : answer).slice(0, 500)}`);
  }

  // Kibana: GET /api/actions/connector/<id>; POST /api/actions/connector/<id> to create, PUT to update.
  const { id, connector_type_id: typeId, ...body } = manifests.connector;
  const current = await api.kibana('GET', `/api/actions/connector/${encodeURIComponent(id)}`).catch(ignoreNotFound);
  const isSame = isRecord(current) && current.name === body.name && contains(current.config, body.config);
  if (current === undefined) await api.kibana('POST', `/api/actions/connector/${encodeURIComponent(id)}`, { ...body, connector_type_id: typeId });
  else if (!isSame) await api.kibana('PUT', `/api/actions/connector/${encodeURIComponent(id)}`, body);
  steps.push({ kind: 'connector (.webhook)', name: id, change: current === undefined ? 'created' : isSame ? 'unchanged' : 'updated' });
  return steps;
}

async function apply(kind: string, name: string, current: unknown, wanted: unknown, put: () => Promise<unknown>): Promise<InstallStep> {
  if (current !== undefined && contains(current, wanted)) return { kind, name, change: 'unchanged' };
  await put();
  return { kind, name, change: current === undefined ? 'created' : 'updated' };
}

/**
 * Whether the platform's object holds everything the manifest sets: Elasticsearch and Kibana
 * answer with their defaults filled in (an index template's `data_stream: { hidden: false,
 * allow_custom_routing: false }`), which is no reason to write it again. Arrays must match in full.
 */
function contains(current: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) return Array.isArray(current) && current.length === wanted.length && wanted.every((item, index) => contains(current[index], item));
  if (isRecord(wanted)) return isRecord(current) && Object.entries(wanted).every(([key, value]) => contains(current[key], value));
  return isDeepStrictEqual(current, wanted);
}

function ignoreNotFound(error: unknown): undefined {
  if (isRecord(error) && error.statusCode === 404) return undefined;
  throw error;
}
