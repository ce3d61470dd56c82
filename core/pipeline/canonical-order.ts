import type { Alert } from '../spec/alert.js';

/**
 * The canonical order of a batch: by second, then by what each alert is about (rule and entities),
 * then by id. The triage engine judges a batch in this order, so a feed that shuffles alerts within
 * a second gets the same verdicts.
 */
export function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Rule and entities: what an alert is about, independent of where it sits in a feed. */
function contentKey(alert: Alert): string {
  let key = alert.ruleName;
  for (const entity of alert.entities) key += `\u0000${entity.kind}:${entity.role ?? ''}:${entity.value}`;
  return key;
}

/** Whether two alerts have the same contentKey, found without building it. */
function sameContent(alert: Alert, other: Alert): boolean {
  if (alert.ruleName !== other.ruleName || alert.entities.length !== other.entities.length) return false;
  // Repeats of one record share its entities (see normalize/repeat-template.ts).
  if (alert.entities === other.entities) return true;
  for (let index = 0; index < alert.entities.length; index += 1) {
    const entity = alert.entities[index]!;
    const otherEntity = other.entities[index]!;
    if (entity.kind !== otherEntity.kind || (entity.role ?? '') !== (otherEntity.role ?? '') || entity.value !== otherEntity.value) return false;
  }
  return true;
}

/**
 * The canonical order of a batch: by second, then by what each alert is about (rule and entities),
 * then by id. A feed that shuffles alerts within a second is triaged in the same order, so gets the
 * same verdicts; stable across seconds, so a time-ordered feed keeps its order.
 */
export function canonicalOrder<T>(items: readonly T[], alertOf: (item: T) => Alert): T[] {
  return canonicalIndexOrder(items.map(alertOf)).order.map((index) => items[index]!);
}

/** Whether order[start..end) lists alerts by id (equal ids stay in index order, as `order` already is). */
function idsAscend(alerts: readonly Alert[], order: readonly number[], start: number, end: number): boolean {
  for (let position = start + 1; position < end; position += 1) if (compare(alerts[order[position - 1]!]!.id, alerts[order[position]!]!.id) > 0) return false;
  return true;
}

/** Alerts of one second share their time text: parse it once. */
let lastTime: { text: string; ms: number } = { text: '', ms: Number.NaN };
function timeOf(alert: Alert): number {
  if (alert.time !== lastTime.text) lastTime = { text: alert.time, ms: Date.parse(alert.time) };
  return lastTime.ms;
}

/** The canonical order as indices into `alerts`, with each alert's second. */
export function canonicalIndexOrder(alerts: readonly Alert[]): { order: number[]; seconds: number[]; times: number[] } {
  const times = alerts.map(timeOf);
  const seconds = times.map((time) => Math.floor(time / 1000));
  const order = alerts.map((_, index) => index);
  // A feed in time order (the usual case) keeps its order across seconds: no global sort.
  let isSorted = true;
  for (let index = 1; index < seconds.length && isSorted; index += 1) isSorted = seconds[index - 1]! <= seconds[index]!;
  if (!isSorted) order.sort((left, right) => seconds[left]! - seconds[right]! || left - right);
  // Within a second, by content then id (keys built only where a second holds several alerts).
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && seconds[order[end]!] === seconds[order[start]!]) end += 1;
    if (end - start > 1) {
      // A flood (one rule and entities all second long) has one content key: order by id alone, without building keys.
      const isFlood = order.slice(start + 1, end).every((index) => sameContent(alerts[index]!, alerts[order[start]!]!));
      // A flood whose ids already ascend (the usual feed) is in canonical order: nothing to sort.
      if (isFlood && idsAscend(alerts, order, start, end)) {
        start = end;
        continue;
      }
      // Otherwise an alert like the one before it (a flood inside a busy second) reuses its key.
      let previous: { alert: Alert; content: string } | undefined;
      const keyed = order.slice(start, end).map((index) => {
        const alert = alerts[index]!;
        if (!isFlood && (previous === undefined || !sameContent(alert, previous.alert))) previous = { alert, content: contentKey(alert) };
        return { index, content: isFlood ? '' : previous!.content, id: alert.id };
      });
      keyed.sort((left, right) => compare(left.content, right.content) || compare(left.id, right.id) || left.index - right.index);
      keyed.forEach((entry, offset) => {
        order[start + offset] = entry.index;
      });
    }
    start = end;
  }
  return { order, seconds, times };
}
