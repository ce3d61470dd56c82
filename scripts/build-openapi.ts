// Writes manifests/soar/openapi.yaml from the server's zod schemas (npm run openapi).
// test/server/openapi.test.ts fails when the committed file and the generated document differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOpenApiYaml } from '../core/server/openapi.js';

export const OPENAPI_YAML_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'manifests', 'soar', 'openapi.yaml');

mkdirSync(path.dirname(OPENAPI_YAML_PATH), { recursive: true });
writeFileSync(OPENAPI_YAML_PATH, renderOpenApiYaml());
process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_YAML_PATH)}\n`);
