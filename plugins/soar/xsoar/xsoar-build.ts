import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { SoarModel } from '../soar-model.js';

const SCRIPT_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'verdict-xsoar.ts');
export const XSOAR_GLOBAL_NAME = 'VerdictXsoar';

/** What the script is told about the API: only paths and fields read from the OpenAPI document. */
export function xsoarApiConstants(model: SoarModel) {
  const pick = (key: keyof SoarModel['operations']) => ({ method: model.operations[key].method, path: model.operations[key].path });
  return {
    version: model.version,
    triage: pick('triage'),
    getVerdict: pick('getVerdict'),
    listVerdicts: pick('listVerdicts'),
    feedback: pick('feedback'),
    resultFields: model.resultFields.map((field) => field.name),
  };
}

/**
 * The integration script for XSOAR's JavaScript engine: one ES5 file, no imports, ending in the
 * top-level `return` XSOAR takes as the command's result. esbuild fails the build if the source
 * uses syntax ES5 lacks.
 */
export async function buildXsoarScript(model: SoarModel): Promise<string> {
  const output = await build({
    entryPoints: [SCRIPT_ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: XSOAR_GLOBAL_NAME,
    target: 'es5',
    platform: 'neutral',
    charset: 'utf8',
    legalComments: 'none',
    define: { VERDICT_API: JSON.stringify(xsoarApiConstants(model)) },
    banner: { js: `// Verdict ${model.version} for Cortex XSOAR: generated from the OpenAPI document by plugins/soar (npm run soar). Do not edit.` },
    footer: { js: `return ${XSOAR_GLOBAL_NAME}.main();` },
    logLevel: 'silent',
  });
  const file = output.outputFiles[0];
  if (!file) throw new Error('esbuild produced no XSOAR script');
  return file.text;
}
