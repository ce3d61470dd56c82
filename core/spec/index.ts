export * from './alert.js';
export * from './evidence.js';
export * from './result.js';
export * from './disposition.js';
export * from './suppression.js';
export * from './plugin.js';
export * from './ocsf.js';
export * from './errors.js';
