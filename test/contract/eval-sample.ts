import { loadAitRows, loadSigmaTests, type AitRow, type SigmaTest } from '../eval-data.js';

/**
 * The real fixtures every contract run renders in its own platform's shape: a few distinct AIT
 * alert types from two scenarios, and Sigma tests covering process creation, a registry write and a
 * multi-event test. Small on purpose: the golden files hold one Alert per fixture.
 */

export async function aitSample(): Promise<AitRow[]> {
  return [...(await loadAitRows('russellmitchell', { distinct: true, limit: 4 })), ...(await loadAitRows('fox', { distinct: true, limit: 3 }))];
}

export function sigmaSample(): SigmaTest[] {
  const tests = loadSigmaTests();
  return [...tests.slice(0, 4), ...tests.filter((test) => test.events.some((event) => 'TargetObject' in event.EventData)).slice(0, 1), ...tests.filter((test) => test.events.length > 1).slice(0, 1)];
}

/** Sigma tests to render twice: the `blind` variant has no ATT&CK tags. */
export const BLIND_COUNT = 2;
