import { z } from 'zod';
import { formatPath } from '../../spec/zod-issues.js';
import type { LoadingFile } from './threat-intel-file.js';
import { IntelFormatError, type IndicatorValue } from './threat-intel-indicator.js';
import { sufficientComparisons } from './threat-intel-stix-pattern.js';

const StixIndicatorSchema = z.looseObject({
  id: z.string().min(1),
  pattern: z.string().min(1),
  pattern_type: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  valid_from: z.string().optional(),
  valid_until: z.string().optional(),
  revoked: z.boolean().optional(),
  confidence: z.number().min(0).max(100).optional(),
  indicator_types: z.array(z.string()).optional(),
  labels: z.array(z.string()).optional(),
});

const StixBundleSchema = z.looseObject({ type: z.literal('bundle'), objects: z.array(z.unknown()) });

function parseTime(text: string | undefined, field: string, fallback: number): number {
  if (text === undefined) return fallback;
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new IntelFormatError(`${field} "${text}" is not an RFC 3339 timestamp`);
  return time;
}

/** Reads the indicators of a STIX 2.1 bundle; revoked and non-STIX-pattern ones are skipped. */
export function loadStix(document: unknown, file: LoadingFile): void {
  const bundle = StixBundleSchema.safeParse(document);
  if (!bundle.success) {
    throw new IntelFormatError('is not a STIX 2.1 bundle: expected {"type": "bundle", "objects": [...]}');
  }
  bundle.data.objects.forEach((object, index) => {
    if (typeof object !== 'object' || object === null || (object as { type?: unknown }).type !== 'indicator') return;
    const where = `objects[${index}]`;
    const parsed = StixIndicatorSchema.safeParse(object);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new IntelFormatError(`${where}: indicator field ${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
    }
    const indicator = parsed.data;
    const location = `${indicator.id} (${where})`;
    if (indicator.revoked === true) return file.skip('revoked');
    if ((indicator.pattern_type ?? 'stix') !== 'stix') return file.skip(`pattern_type ${indicator.pattern_type}`);
    let comparisons: IndicatorValue[];
    try {
      comparisons = sufficientComparisons(indicator.pattern);
    } catch (error) {
      if (!IntelFormatError.isInstance(error)) throw error;
      throw new IntelFormatError(`${location}: pattern ${JSON.stringify(indicator.pattern)} is not valid STIX patterning: ${error.message}`);
    }
    if (comparisons.length === 0) return file.skip('pattern needs more than one observable or a time window');
    const types = indicator.indicator_types ?? indicator.labels ?? [];
    const validFromMs = parseTime(indicator.valid_from, `${location}: valid_from`, -Infinity);
    const validUntilMs = parseTime(indicator.valid_until, `${location}: valid_until`, Infinity);
    for (const comparison of comparisons) {
      file.add({
        ...comparison,
        label: indicator.name ?? indicator.description ?? '',
        location,
        confidence: indicator.confidence ?? file.defaultConfidence,
        validFromMs,
        validUntilMs,
        isBenign: types.includes('benign'),
      });
    }
  });
}
