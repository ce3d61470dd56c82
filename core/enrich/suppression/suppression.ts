import safeRegex from 'safe-regex2';
import type { Alert } from '../../spec/alert.js';
import type { Suppression } from '../../spec/suppression.js';
import type { EnrichContext, EnricherV1, Finding } from '../enricher.js';

interface CompiledSuppression {
  suppression: Suppression;
  rule: string | undefined;
  entityKind: string | undefined;
  entityValue: string | undefined;
  pattern: RegExp | undefined;
  expiresMs: number;
}

/** Compiles once; a bad pattern is rejected when the suppression is added, not at match time. */
export function compileSuppression(suppression: Suppression): CompiledSuppression {
  const [entityKind, ...rest] = suppression.entity?.split(':') ?? [];
  return {
    suppression,
    rule: suppression.rule?.toLowerCase(),
    entityKind: suppression.entity ? entityKind : undefined,
    entityValue: suppression.entity ? rest.join(':').toLowerCase() : undefined,
    pattern: suppression.pattern === undefined ? undefined : compilePattern(suppression.pattern),
    expiresMs: Date.parse(suppression.expiresAt),
  };
}

/**
 * A suppression's field pattern, refused when it nests repeats ((a+)+, (\w+\s?)+): those take
 * exponential time on a near-miss (31 characters of title held one triage over 30 s) and every
 * alert passes through them, so one careless pattern would stall all triage.
 */
export function compilePattern(source: string): RegExp {
  const pattern = new RegExp(source, 'i');
  if (!safeRegex(pattern)) {
    throw new SyntaxError(`${JSON.stringify(source)} repeats a group that itself repeats (like (a+)+), which can take exponential time on one alert: write it without a repeat inside a repeat`);
  }
  return pattern;
}

/** Suppressions as stored: one whose pattern is refused now (stored by an older version) is left out, never run. */
function compileUsable(suppressions: Suppression[]): CompiledSuppression[] {
  return suppressions.flatMap((suppression) => {
    try {
      return [compileSuppression(suppression)];
    } catch {
      return [];
    }
  });
}

/**
 * In force for alerts raised before its expiry. Alerts raised before it was written match too: an
 * analyst who declares activity expected means the backlog as well (re-triaging it, or the
 * bundled sample, must cite the suppression).
 */
export function suppressionMatches(compiled: CompiledSuppression, alert: Alert, nowMs: number): boolean {
  if (nowMs >= compiled.expiresMs) return false;
  if (compiled.rule !== undefined && compiled.rule !== alert.ruleName.toLowerCase()) return false;
  if (compiled.entityKind !== undefined) {
    const found = alert.entities.some((entity) => entity.kind === compiled.entityKind && entity.value.toLowerCase() === compiled.entityValue);
    if (!found) return false;
  }
  if (compiled.pattern !== undefined) {
    const field = compiled.suppression.field ?? 'title';
    const value = field === 'title' ? alert.title : field === 'ruleName' ? alert.ruleName : alert.fields[field];
    if (value === undefined || !compiled.pattern.test(value)) return false;
  }
  return true;
}

/**
 * Analyst-authored suppressions: named, scoped (rule, entity, field pattern), owned, expiring.
 * A match is strong evidence of expected activity and is cited by name in the verdict.
 */
export function createSuppressionEnricher(initial: Suppression[] = []): EnricherV1 & {
  replace(suppressions: Suppression[]): void;
} {
  let compiled = compileUsable(initial);
  return {
    id: 'suppression',
    description: 'Analyst-authored suppressions (scoped by rule, entity and field pattern, with owner and expiry).',
    enrich(alert: Alert, context: EnrichContext): Finding[] {
      if (compiled.length === 0) return [];
      const findings: Finding[] = [];
      for (const entry of compiled) {
        if (!suppressionMatches(entry, alert, context.timeMs)) continue;
        const { suppression } = entry;
        findings.push({
          kind: 'suppression',
          claim: `Suppression "${suppression.name}" (owner ${suppression.owner}, expires ${suppression.expiresAt.slice(0, 10)}) covers this alert: ${suppression.reason}.`,
          weight: -4,
          refs: [`suppression:${suppression.name}`],
          benignReason: 'expected_activity',
        });
      }
      return findings;
    },
    replace(suppressions: Suppression[]): void {
      compiled = compileUsable(suppressions);
    },
  };
}
