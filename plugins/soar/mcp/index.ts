// The MCP server alone (what `verdict mcp` needs), apart from the artefact generators, which need build-time tools.
export { registerMcpCommand, createMcpHttpServer, MCP_PATH } from './mcp-command.js';
export { createVerdictMcpServer, MCP_TOOL_NAMES } from './mcp-server.js';
export { createVerdictApi, VerdictProblemError, type VerdictApi } from './verdict-api.js';
