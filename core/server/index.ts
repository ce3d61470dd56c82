export { createServer, type CreateServerInput } from './create-server.js';
export type { ServerOptions, RouteAuth } from './server-context.js';
export { resolveServerOptions, hookSecretsFrom, readTlsFiles } from './server-options.js';
export { buildOpenApiDocument, renderOpenApiYaml } from './openapi.js';
export { issueToken, type IssuedToken } from './tokens.js';
export { signHookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './hook-signature.js';
