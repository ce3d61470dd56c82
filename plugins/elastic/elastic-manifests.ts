import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/spec/errors.js';

/**
 * manifests/elastic as data: what `verdict install elastic` applies. The connector's
 * `${VERDICT_URL}` and `${VERDICT_TOKEN}` are filled in at install time, never stored here.
 */

export interface ElasticManifests {
  componentTemplates: Array<[string, Record<string, unknown>]>;
  pipelineName: string;
  pipeline: Record<string, unknown>;
  indexTemplateName: string;
  indexTemplate: Record<string, unknown>;
  savedObjects: Array<Record<string, unknown>>;
  connector: { id: string; name: string; connector_type_id: string; config: Record<string, unknown>; secrets: Record<string, unknown> };
  ruleAction: Record<string, unknown>;
}

export const PIPELINE_NAME = 'verdict-triage';
export const INDEX_TEMPLATE_NAME = 'logs-verdict.triage';

/** manifests/elastic next to the bundle (dist/) or the source tree (plugins/elastic/). */
export function defaultManifestsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../manifests/elastic'), resolve(here, '../../manifests/elastic')];
  return candidates.find((candidate) => existsSync(join(candidate, 'index-template.json'))) ?? candidates[0]!;
}

export function loadElasticManifests(directory: string, values: { verdictUrl?: string; verdictToken?: string } = {}): ElasticManifests {
  const read = (file: string): string => {
    const path = join(directory, file);
    if (!existsSync(path)) throw new ConfigError(`${path} is missing: pass --manifests <dir> pointing at manifests/elastic`);
    return readFileSync(path, 'utf8');
  };
  const json = (file: string): Record<string, unknown> => JSON.parse(read(file)) as Record<string, unknown>;
  const componentDir = join(directory, 'component-templates');
  const componentTemplates = existsSync(componentDir)
    ? readdirSync(componentDir)
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file): [string, Record<string, unknown>] => [file.replace(/\.json$/, ''), json(join('component-templates', file))])
    : [];
  const savedObjects = read('saved-objects.ndjson')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((object) => !('exportedCount' in object));
  const connectorText = read('webhook-connector.json')
    .replaceAll('${VERDICT_URL}', (values.verdictUrl ?? 'http://127.0.0.1:8477').replace(/\/$/, ''))
    .replaceAll('${VERDICT_TOKEN}', values.verdictToken ?? '');
  return {
    componentTemplates,
    pipelineName: PIPELINE_NAME,
    pipeline: json('ingest-pipeline.json'),
    indexTemplateName: INDEX_TEMPLATE_NAME,
    indexTemplate: json('index-template.json'),
    savedObjects,
    connector: JSON.parse(connectorText) as ElasticManifests['connector'],
    ruleAction: json('rule-action.json'),
  };
}
