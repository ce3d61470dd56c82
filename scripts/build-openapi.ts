// Writes manifests/soar/openapi.yaml from the server's zod schemas, and every SOAR artefact
// generated from that document (plugins/soar) under manifests/soar/ (npm run openapi).
// test/server/openapi.test.ts and test/soar/soar-artefacts.test.ts fail when a committed file
// and the generated one differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, renderOpenApiYaml } from '../core/server/openapi.js';
import { buildSoarArtefacts } from '../plugins/soar/index.js';

export const SOAR_MANIFEST_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'manifests', 'soar');
export const OPENAPI_YAML_PATH = path.join(SOAR_MANIFEST_DIR, 'openapi.yaml');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(SOAR_MANIFEST_DIR, { recursive: true });
  writeFileSync(OPENAPI_YAML_PATH, renderOpenApiYaml());
  process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_YAML_PATH)}\n`);
  for (const [relative, contents] of await buildSoarArtefacts(buildOpenApiDocument())) {
    const file = path.join(SOAR_MANIFEST_DIR, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, contents);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}
