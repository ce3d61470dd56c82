import { AlertV1Schema, type Alert, type AlertInput } from '../../../core/spec/alert.js';

/** A valid alert for enricher tests: fixed id and time, the fields a test cares about overridden. */
export function testAlert(overrides: Partial<AlertInput>): Alert {
  return AlertV1Schema.parse({
    id: 'alert-1',
    source: { platform: 'generic' },
    title: 'Test alert',
    ruleName: 'Test alert',
    time: '2026-03-02T09:15:00Z',
    ...overrides,
  });
}
