import { describe, expect, it } from 'vitest';
import { FieldMapSchema, VerdictConfigSchema } from '../../core/config/config-schema.js';
import { createOfflineEngine } from '../../core/runtime/engine-factory.js';
import { createNormalizer } from '../../core/runtime/normalize-registry.js';
import type { Alert } from '../../core/spec/alert.js';
import { normalizeSentinelAlert } from '../../plugins/sentinel/index.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../../scripts/eval/render-ait.js';
import { renderSigmaTest, SIGMA_EXPORT_FIELD_MAP } from '../../scripts/eval/render-sigma.js';
import { validateGraphValue } from '../emulators/microsoft/graph-schema.js';
import { loadAitRows, loadSigmaTests } from '../eval-data.js';

/**
 * The eval's Graph rendering must give the figures of the generic one: every Sigma test and the
 * first AIT rows, rendered as Graph alerts (valid against the CSDL) and read by the Sentinel
 * normalizer, get the same verdict and probability (and Sigma the same techniques) as their generic export, each
 * stream through its own fresh offline engine (so context and duplicates build up alike).
 */

const AIT_ROWS = 2000;
const normalizer = createNormalizer([]);
const newEngine = () => createOfflineEngine({ config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home: process.cwd() }).engine;

/**
 * Per item, what the figures are made of: verdict and probability, and (scored on Sigma only) the
 * techniques. AIT techniques are not compared: Graph's `title` is the whole AIT name (the data
 * README's mapping), detector prefix included, and title inference may read more from it.
 */
function outcomes(alerts: readonly Alert[], withTechniques: boolean): string[] {
  const engine = newEngine();
  return alerts.map((alert) => {
    const result = engine.triage(alert);
    const techniques = withTechniques ? ` ${result.attack.map((technique) => technique.id).join(',')}` : '';
    return `${result.alertId} ${result.verdict} ${result.probabilityMalicious.toFixed(6)}${techniques}`;
  });
}

describe('the eval Graph rendering', () => {
  it('every Sigma test gives the verdict of its generic rendering', () => {
    const tests = loadSigmaTests();
    const fieldMap = FieldMapSchema.parse(SIGMA_EXPORT_FIELD_MAP);
    const graph = tests.map((test) => renderSigmaTest(test, 'graph', 'full') as Record<string, unknown>);
    for (const alert of graph) expect(validateGraphValue(alert, 'alert', { mode: 'read' }), String(alert.id)).toEqual([]);
    expect(outcomes(graph.map(normalizeSentinelAlert), true)).toEqual(
      outcomes(
        tests.map((test) => normalizer.normalize(renderSigmaTest(test, 'generic', 'full'), { platform: 'generic', fieldMap })),
        true,
      ),
    );
  });

  it(`the first ${AIT_ROWS} AIT rows give the verdicts of their generic rendering`, async () => {
    const rows = await loadAitRows('russellmitchell', { limit: AIT_ROWS });
    const fieldMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
    const graph = rows.map((row) => renderAitRow(row, 'graph') as Record<string, unknown>);
    for (const alert of graph.slice(0, 200)) expect(validateGraphValue(alert, 'alert', { mode: 'read' }), String(alert.id)).toEqual([]);
    expect(outcomes(graph.map(normalizeSentinelAlert), false)).toEqual(
      outcomes(
        rows.map((row) => normalizer.normalize(renderAitRow(row, 'generic'), { platform: 'generic', fieldMap })),
        false,
      ),
    );
  }, 60_000);
});
