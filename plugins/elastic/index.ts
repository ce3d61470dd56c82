export { createElasticPlugin, type ElasticPluginOptions } from './elastic-plugin.js';
export { ElasticConfigSchema, parseElasticConfig, describeElasticConfig, alertsIndexOf, type ElasticConfig, type ElasticConfigInput } from './elastic-config.js';
export { normalizeElasticAlert, looksLikeElasticAlert } from './elastic-normalize.js';
export { renderElasticResult, elasticDeliveryKeys, supportsCloseReason, VERDICT_TAGS, AUTO_CLOSED_TAG, VERDICT_MARKER_PREFIX, type ElasticWriteBack } from './elastic-render.js';
export { ElasticHitSchema, WorkflowStatusSchema } from './elastic-alert.js';
export { createElasticInstallCommand } from './elastic-install-command.js';
