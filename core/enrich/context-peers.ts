import type { Alert } from '../spec/alert.js';
import { tacticsOf } from './attack-catalog.js';
import type { Baseline } from './context-baseline.js';
import type { SubjectState } from './context-state.js';
import type { TickPeer } from './enricher.js';

const HOUR_MS = 3_600_000;
/** An alert type counts as suspicious on its own at this intrinsic probability. */
export const SUSPICIOUS = 0.45;
/** A suspicious alert type counts as a change only this long after it first fired on a subject. */
export const ONSET_MS = 6 * HOUR_MS;

export interface PeerRule {
  intrinsic: number;
  tactics: string[];
}

/**
 * The other alerts of the second being judged. Same-second alerts are judged against the state as
 * it stood when the second began, and see each other symmetrically: per subject, the alert types
 * of the second (their strongest intrinsic probability and tactics), and the subjects they make
 * notable (the wave). Empty outside a second of two or more alerts.
 */
export function createSecondPeers(input: {
  subjects: ReadonlyMap<string, SubjectState>;
  baselineOf: (subject: SubjectState | undefined, now: number) => Baseline;
  subjectKeys: (alert: Alert) => readonly string[];
}) {
  const { subjects, baselineOf, subjectKeys } = input;
  let rules = new Map<string, Map<string, PeerRule>>();
  let notable = new Map<string, number>();

  /** Whether an alert of this rule would make the subject notable: new to a mature subject, or suspicious at its onset. */
  function isNotableOn(key: string, rule: string, intrinsic: number, now: number): { isNew: boolean; isSuspicious: boolean } {
    const subject = subjects.get(key);
    const known = subject?.rules.get(rule);
    const isNew = subject !== undefined && known === undefined && baselineOf(subject, now).isMature;
    const isSuspicious = intrinsic >= SUSPICIOUS && (known === undefined || now - known.firstSeenMs <= ONSET_MS);
    return { isNew, isSuspicious };
  }

  return {
    isNotableOn,
    begin(list: ReadonlyArray<TickPeer>): void {
      rules = new Map();
      notable = new Map();
      if (list.length < 2) return;
      for (const peer of list) {
        const now = Date.parse(peer.alert.time);
        const rule = peer.alert.ruleName.toLowerCase();
        const tactics = peer.alert.attack.flatMap(tacticsOf);
        for (const key of subjectKeys(peer.alert)) {
          let onSubject = rules.get(key);
          if (!onSubject) rules.set(key, (onSubject = new Map()));
          const known = onSubject.get(rule);
          if (known) known.intrinsic = Math.max(known.intrinsic, peer.intrinsic);
          else onSubject.set(rule, { intrinsic: peer.intrinsic, tactics });
          if (notable.has(key)) continue;
          const { isNew, isSuspicious } = isNotableOn(key, rule, peer.intrinsic, now);
          if (isNew || isSuspicious) notable.set(key, now);
        }
      }
    },
    end(): void {
      rules = new Map();
      notable = new Map();
    },
    /** The second's alert types on this subject. */
    rulesOn(key: string): ReadonlyMap<string, PeerRule> | undefined {
      return rules.get(key);
    },
    /** Subjects the second's alerts make notable. */
    notableSubjects(): Iterable<string> {
      return notable.keys();
    },
  };
}
