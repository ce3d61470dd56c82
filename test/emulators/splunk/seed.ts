import { createHash } from 'node:crypto';
import { renderAitRow } from '../../../scripts/eval/render-ait.js';
import { renderSigmaTest, type SigmaVariant } from '../../../scripts/eval/render-sigma.js';
import type { SigmaTest } from '../../../scripts/eval/sigma-source.js';
import { loadAitRows, loadSigmaTests, type AitScenario } from '../../eval-data.js';
import type { Row } from './emulator-search.js';

/**
 * The emulator's seed: ES 7 notables rendered from the public eval data by the eval's own
 * converters (scripts/eval, the Splunk mapping of shared/eval/README.md), so the emulator, the
 * contract suite and the eval replay the same payloads. No official notable example exists to copy.
 * Labels never reach a notable: the converters never read the AIT label columns or the Sigma
 * `expected_*` fields.
 *
 * The one thing added here is what Enterprise Security adds when it writes a notable: an
 * `event_id` of the form `<GUID>@@notable@@<md5>`. It is derived from the converter's id, so the
 * seed is stable, and it is what the plugin writes back to (`notable_update` takes these ids only).
 */

export { AIT_SCENARIOS, EVAL_DIR, loadAitRows, loadSigmaTests, type AitScenario } from '../../eval-data.js';

/** AIT rows as notables: `renderAitRow(row, 'splunk')` plus the ES event id. */
export async function loadAitNotables(scenario: AitScenario, options: { limit?: number; distinct?: boolean } = {}): Promise<Row[]> {
  return (await loadAitRows(scenario, options)).map((row) => toNotable(renderAitRow(row, 'splunk')));
}

/** A Sigma test as a notable: `renderSigmaTest(test, 'splunk', variant)` plus the ES event id. */
export function renderSigmaNotable(test: SigmaTest, variant: SigmaVariant = 'full'): Row {
  return toNotable(renderSigmaTest(test, 'splunk', variant));
}

export function loadSigmaNotables(options: { limit?: number; variant?: SigmaVariant } = {}): Row[] {
  return loadSigmaTests(options).map((test) => renderSigmaNotable(test, options.variant));
}

/**
 * A converter's Splunk rendering as the notable ES would store: same fields, `event_id` replaced
 * by a Splunk-shaped id derived from the converter's. Throws when the rendering is not a flat row
 * of strings, which is all the Splunk mapping produces.
 */
export function toNotable(rendered: unknown): Row {
  if (typeof rendered !== 'object' || rendered === null || Array.isArray(rendered)) throw new Error('a Splunk rendering is a JSON object');
  const row: Row = {};
  for (const [field, value] of Object.entries(rendered)) {
    if (typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))) row[field] = value;
    else throw new Error(`the Splunk rendering's ${field} is not a string or a multivalue field`);
  }
  if (typeof row.event_id !== 'string' || typeof row._time !== 'string') throw new Error('a Splunk rendering needs event_id and _time');
  row.event_id = notableEventId(row.event_id);
  return row;
}

/** Splunk-shaped notable id `<GUID>@@notable@@<md5>`, derived from a stable seed string. */
export function notableEventId(seed: string): string {
  const guid = createHash('sha1').update(seed).digest('hex').toUpperCase();
  const formatted = `${guid.slice(0, 8)}-${guid.slice(8, 12)}-${guid.slice(12, 16)}-${guid.slice(16, 20)}-${guid.slice(20, 32)}`;
  return `${formatted}@@notable@@${createHash('md5').update(seed).digest('hex')}`;
}
