export { createSplunkPlugin, type SplunkPluginOptions } from './splunk-plugin.js';
export { SplunkConfigSchema, parseSplunkConfig, describeSplunkConfig, type SplunkConfig, type SplunkConfigInput } from './splunk-config.js';
export { normalizeSplunkAlert, looksLikeSplunkAlert } from './splunk-normalize.js';
export { renderSplunkResult, splunkIdempotencyKey, SPLUNK_DISPOSITION, type SplunkWriteBack } from './splunk-render.js';
export { SplunkNotableSchema, SplunkFindingSchema, SplunkExportLineSchema } from './splunk-alert.js';
