export { createSentinelPlugin, type SentinelPluginOptions } from './sentinel-plugin.js';
export { SentinelConfigSchema, parseSentinelConfig, describeSentinelConfig, type SentinelConfig, type SentinelConfigInput } from './sentinel-config.js';
export { normalizeSentinelAlert, looksLikeSentinelAlert, GRAPH_INCIDENT_ID_PREFIX, ARM_INCIDENT_ID_PREFIX } from './sentinel-normalize.js';
export { renderSentinelResult, sentinelIdempotencyKey, GRAPH_CLASSIFICATION, ARM_CLASSIFICATION, type SentinelWriteBack } from './sentinel-render.js';
export { GraphAlertSchema, GraphIncidentSchema, ArmIncidentSchema } from './sentinel-alert.js';
