// Bundles the CLI into dist/verdict.js. Native and SDK packages stay external: they are
// installed next to it by npm.
import { build } from 'esbuild';
import { cpSync, readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(packageJson.dependencies ?? {});

await build({
  entryPoints: ['bin/verdict.ts'],
  outfile: 'dist/verdict.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  banner: { js: '#!/usr/bin/env node' },
  define: { VERDICT_VERSION: JSON.stringify(packageJson.version) },
  logLevel: 'warning',
});

// The LLM stage loads its versioned prompts from files next to the bundle.
cpSync('core/reason/prompts', 'dist/prompts', { recursive: true });
