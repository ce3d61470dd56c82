import packageJson from '../package.json' with { type: 'json' };

/** The engine version written into every result. */
export const VERDICT_VERSION: string = packageJson.version;
