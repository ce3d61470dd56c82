import type { AitRow } from './ait-source.js';
import { renderAitKibana } from './render-kibana.js';
import { renderGraphAitRow } from './render-graph.js';

/** Renderings the eval replays; each goes through that platform's own normalizer. */
export type Rendering = 'generic' | 'ocsf' | 'splunk' | 'kibana' | 'graph';

/** The detector is the prefix of the name before the first colon (Wazuh, Suricata, AMiner). */
export function aitDetector(name: string): string {
  const colon = name.indexOf(':');
  return colon > 0 ? name.slice(0, colon) : 'unknown';
}

function signatureOf(name: string): string {
  const colon = name.indexOf(':');
  return colon > 0 ? name.slice(colon + 1).trim() : name;
}

function alertId(row: AitRow): string {
  return `${row.scenario}-${row.line}`;
}

/**
 * AIT row → native alert, by the data README's field mapping. Labels never enter the payload and
 * no severity is invented (left unset where the platform allows it).
 */
export function renderAitRow(row: AitRow, rendering: Rendering): unknown {
  switch (rendering) {
    case 'generic':
      // A plain SIEM export line, read through the `ids-export` field map.
      return { id: alertId(row), time: row.time, name: row.name, ip: row.ip, host: row.host, short: row.short };
    case 'ocsf':
      return {
        ...ocsfFindingHeader(0, row.time * 1000),
        metadata: { product: { name: aitDetector(row.name) }, version: '1.5.0', uid: alertId(row) },
        finding_info: { uid: alertId(row), title: row.name, analytic: { name: row.name, uid: row.short, type_id: 1 } },
        device: { hostname: row.host, ip: row.ip },
        status_id: 1,
      };
    case 'splunk':
      return {
        _time: String(row.time),
        event_id: alertId(row),
        search_name: row.name,
        rule_name: row.name,
        signature: signatureOf(row.name),
        signature_id: row.short,
        orig_sourcetype: aitDetector(row.name),
        dest: row.host,
        dest_ip: row.ip,
        status: 'new',
      };
    case 'kibana':
      return renderAitKibana(row);
    case 'graph':
      return renderGraphAitRow(row);
  }
}

/** OCSF Detection Finding (class 2004, category Findings, activity Create) with a severity id and a time in ms. */
export function ocsfFindingHeader(severityId: number, timeMs: number): Record<string, number> {
  return { class_uid: 2004, category_uid: 2, activity_id: 1, type_uid: 200401, severity_id: severityId, time: timeMs };
}

/** The field map the generic rendering is read with (the same one the bundled sample uses). */
export const AIT_EXPORT_FIELD_MAP = {
  id: 'id',
  title: 'name',
  ruleName: 'name',
  ruleId: 'short',
  time: 'time',
  timeFormat: 'epoch_seconds' as const,
  productPrefixSeparator: ':',
  entities: [
    { kind: 'host', path: 'host', role: 'target' as const },
    { kind: 'ip', path: 'ip', role: 'target' as const },
  ],
  severityMap: {},
  keepFields: [],
  keepFieldsUnder: [],
};
