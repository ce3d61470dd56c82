export { buildSoarArtefacts, loadSoarSpecs, validateSoarArtefacts, type SoarArtefacts } from './soar-artefacts.js';
export { soarModelFromOpenApi, operationPath, type SoarModel, type SoarOperation } from './soar-model.js';
export type { SoarIssue, SoarSpecs } from './soar-validate.js';
export * from './mcp/index.js';
