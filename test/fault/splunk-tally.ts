import type { Row } from '../emulators/splunk/emulator-search.js';
import type { SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';

/** Splunk's side of a write-back campaign, counted per notable (fault tests). */
export function writtenNotables(emulator: SplunkEmulator): number {
  return new Set(emulator.state.reviews.filter((review) => review.comment.includes('[verdict:')).map((review) => review.rule_id)).size;
}

/** Per notable: Verdict's comments (review rows with its marker), KV rows and HEC events. */
export function count(emulator: SplunkEmulator, notables: Row[]) {
  const tally = (ids: string[]) => {
    const perId = new Map<string, number>();
    for (const id of ids) perId.set(id, (perId.get(id) ?? 0) + 1);
    return perId;
  };
  const comments = tally(emulator.state.reviews.filter((review) => review.comment.includes('[verdict:')).map((review) => review.rule_id));
  const kvRows = tally([...emulator.state.collection('verdict_results')!.values()].map((row) => String(row.alert_id)));
  const hecEvents = tally(emulator.state.hecEvents.map((record) => String((record.payload.fields as Record<string, string>).alert_id)));
  let lost = 0;
  let duplicated = 0;
  for (const notable of notables) {
    const id = String(notable.event_id);
    for (const writes of [comments, kvRows, hecEvents]) {
      const written = writes.get(id) ?? 0;
      if (written === 0) lost += 1;
      duplicated += Math.max(0, written - 1);
    }
  }
  const twice = notables.map((notable) => String(notable.event_id)).filter((id) => [comments, kvRows, hecEvents].some((writes) => (writes.get(id) ?? 0) > 1));
  if (twice.length > 0) console.info(`written twice: ${twice.map((id) => `${id} (comments ${comments.get(id)}, kv ${kvRows.get(id)}, hec ${hecEvents.get(id)})`).join(', ')}`);
  return {
    notables: notables.length,
    lost,
    duplicated,
    comments: sum(comments),
    kvRows: sum(kvRows),
    hecEvents: sum(hecEvents),
    faultsServed: emulator.requests.filter((request) => request.status === 429 || request.status === 503).length,
  };
}

function sum(counts: Map<string, number>): number {
  return [...counts.values()].reduce((total, value) => total + value, 0);
}

/** The connector's `platforms.splunk` section for fault runs against the emulator: small pages, quick retries. */
export function faultSplunkPlatform(emulatorUrl: string, password: string, hecToken: string): Record<string, unknown> {
  return {
    baseUrl: emulatorUrl,
    auth: { username: 'verdict_svc', password },
    hecUrl: emulatorUrl,
    hecToken,
    hecIndex: 'verdict',
    initialEarliest: '0',
    indexLagSeconds: 0,
    pageSize: 20,
    maxRetries: 2,
    maxRetryDelayMs: 40,
  };
}
