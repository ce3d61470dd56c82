import type { Alert } from '../spec/alert.js';

/**
 * The subjects an alert is about, as context keys: its hosts and users, else its source
 * addresses, else any address. Cached for the last few alerts' entities: a flood asks for the
 * same keys alert after alert.
 */
export function createSubjectKeys(): (alert: Alert) => readonly string[] {
  // Newest first; a flood alternating between a few hosts still hits.
  const recent: Array<{ entityParts: string[]; subjectKeys: readonly string[] }> = [];
  return (alert) => {
    for (let position = 0; position < recent.length; position += 1) {
      if (hasEntityParts(alert, recent[position]!.entityParts)) return recent[position]!.subjectKeys;
    }
    const subjectKeys = computeSubjectKeys(alert);
    recent.unshift({ entityParts: alert.entities.flatMap((entity) => [entity.kind, entity.role ?? '', entity.value]), subjectKeys });
    if (recent.length > RECENT_SUBJECTS) recent.pop();
    return subjectKeys;
  };
}

const RECENT_SUBJECTS = 4;

function computeSubjectKeys(alert: Alert): string[] {
  const keys: string[] = [];
  for (const entity of alert.entities) {
    if (entity.kind === 'host' || entity.kind === 'user') keys.push(`${entity.kind}:${entity.value.toLowerCase()}`);
    else if (entity.kind === 'ip' && entity.role === 'source') keys.push(`ip:${entity.value}`);
  }
  if (keys.length === 0) {
    for (const entity of alert.entities) if (entity.kind === 'ip') keys.push(`ip:${entity.value}`);
  }
  return keys;
}

/** Whether the alert's entities are, in order, the kinds, roles and values listed. */
function hasEntityParts(alert: Alert, parts: readonly string[]): boolean {
  if (alert.entities.length * 3 !== parts.length) return false;
  for (let index = 0; index < alert.entities.length; index += 1) {
    const entity = alert.entities[index]!;
    if (entity.kind !== parts[index * 3] || (entity.role ?? '') !== parts[index * 3 + 1] || entity.value !== parts[index * 3 + 2]) return false;
  }
  return true;
}

/**
 * An alert about one endpoint event (a process, registry or file change) is often the only trace
 * an intrusion leaves: silence around it says little, unlike for a noisy network or log detector.
 */
export function describesHostEvent(alert: Alert): boolean {
  return alert.entities.some((entity) => entity.kind === 'process' || entity.kind === 'registry' || entity.kind === 'file');
}
