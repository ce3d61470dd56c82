import { describe, expect, it } from 'vitest';
import { createContextEnricher } from '../../core/enrich/context.js';
import type { EnrichContext, Finding } from '../../core/enrich/enricher.js';
import type { Alert } from '../../core/spec/alert.js';
import { HOSTS, RULES, sampleAlert } from './sample-alerts.js';

// Real AIT-ADS alert types and hosts from the bundled sample, staged at chosen stream times.
// Defaults: window 30 min, warm-up 6 h, routine after 6 distinct hours over at least 12 h.
const T0 = 1_642_723_200; // 2022-01-21T00:00:00Z: on an hour and a 5-minute boundary
const MINUTE = 60;
const HOUR = 3600;

type Context = ReturnType<typeof createContextEnricher>;
/** The behaviour tests below stage hours, not days: the network baseline is waived for them (see the baseline tests). */
const NO_BASELINE_WAIT = { fleetBaselineSeconds: 0, baselineMinAlerts: 0 };
type Host = (typeof HOSTS)[keyof typeof HOSTS];

function alertAt(rule: string, host: Host, seconds: number): Alert {
  return sampleAlert(rule, { time: seconds, ...host });
}

/** Enrich, then observe (what the engine does), with the intrinsic probability decide would give. */
function step(context: Context, alert: Alert, options: { intrinsic?: number; evidence?: EnrichContext['evidence'] } = {}): Finding[] {
  const enrichContext: EnrichContext = { timeMs: Date.parse(alert.time), evidence: options.evidence ?? [] };
  const findings = context.enrich(alert, enrichContext);
  const intrinsic = options.intrinsic ?? 0.1;
  context.observe!(alert, enrichContext, { probabilityMalicious: intrinsic, intrinsicProbability: intrinsic });
  return findings;
}

const claims = (findings: Finding[]): string[] => findings.map((finding) => finding.claim);
// Claims are matched on what they must say (rule, subject, counts), not word for word: the wording is tuned.
const QUIET = /Nothing else new or suspicious/;
const WAVE = /activity across the network/;
const find = (findings: Finding[], pattern: RegExp): Finding | undefined => findings.find((finding) => pattern.test(finding.claim));

describe('context enricher: routine, new, burst', () => {
  it('calls a rule routine on a host only after enough distinct hours over at least 12 h', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    // Seven hourly alerts: seven distinct hours, but only a 6 h span.
    for (let hour = 0; hour < 7; hour += 1) step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + hour * HOUR + MINUTE));
    expect(find(step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + 7 * HOUR + MINUTE)), /routine/)).toBeUndefined();
    for (let hour = 8; hour < 13; hour += 1) step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + hour * HOUR + MINUTE));
    const findings = step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + 13 * HOUR + MINUTE));
    const routine = find(findings, /routine/);
    expect(routine).toMatchObject({ kind: 'context', benignReason: 'expected_activity' });
    expect(routine!.claim).toMatch(/^"Wazuh: Dovecot Authentication Success\." is routine on host davey_mail: it fired 13 times in 13 distinct hours over 13 h\b/);
    // −min(2.5, 0.8 + 0.6 · ln(13 / 6 + 1))
    expect(routine!.weight).toBeCloseTo(-(0.8 + 0.6 * Math.log(13 / 6 + 1)), 9);
  });

  it('counts hours, not alerts: a flood inside one hour is not routine', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    for (let index = 0; index < 50; index += 1) step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + index * MINUTE));
    expect(find(step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + 13 * HOUR)), /routine/)).toBeUndefined();
  });

  it('flags a rule new to a host only once the host was watched through the warm-up', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    step(context, alertAt(RULES.clamavUpdate, HOSTS.mail, T0));
    // Before the warm-up the claim is made, but says there is no baseline yet and weighs nothing.
    expect(find(step(context, alertAt(RULES.sshScan, HOSTS.mail, T0 + HOUR)), /first time/)).toMatchObject({
      weight: 0,
      claim: expect.stringMatching(/no baseline yet .*watched 60 min \(1 alerts\)/),
    });
    const findings = step(context, alertAt(RULES.webAttack, HOSTS.mail, T0 + 7 * HOUR));
    expect(find(findings, /first time/)).toEqual({
      kind: 'context',
      claim: expect.stringMatching(/^"Wazuh: Common web attack\." fires on host mail for the first time in 7 h\b/),
      weight: 0.6,
      refs: ['entities(host:mail)', 'stream:context-window'],
    });
    // A new rule is not quiet context.
    expect(find(findings, QUIET)).toBeUndefined();
  });

  it('reports a burst of a rule against its own rate, and not below 20 alerts in 5 minutes', () => {
    const calm = createContextEnricher(NO_BASELINE_WAIT);
    for (let index = 0; index < 19; index += 1) step(calm, alertAt(RULES.tlsHandshake, HOSTS.webserver, T0 + index * 10));
    expect(find(step(calm, alertAt(RULES.tlsHandshake, HOSTS.webserver, T0 + 200)), /bursting/)).toBeUndefined();

    const busy = createContextEnricher(NO_BASELINE_WAIT);
    for (let index = 0; index < 25; index += 1) step(busy, alertAt(RULES.tlsHandshake, HOSTS.webserver, T0 + index * 10));
    const findings = step(busy, alertAt(RULES.tlsHandshake, HOSTS.webserver, T0 + 250));
    // 25 seen; expected in 5 min = 25 · 5 min / max(1 h, 4 min) ≈ 2.1
    expect(find(findings, /bursting/)).toMatchObject({
      claim: expect.stringMatching(/^"Suricata: Alert - SURICATA TLS invalid handshake message" is bursting on host webserver: 25 alerts in 5 minutes against about 2\.1 expected/),
      weight: 1,
    });
    expect(find(findings, QUIET)).toBeUndefined();
  });

  // Known defect, reported to the owner of core/enrich/context.ts: in the 5-minute bucket after a
  // flood, `recent` reads previousBucketCount (the bucket before the flood) instead of the flood's
  // own bucketCount, so a burst that straddles a bucket edge goes unseen. Flip to `it` once fixed.
  it('still sees the burst in the 5 minutes right after the flood bucket', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    for (let index = 0; index < 25; index += 1) step(context, alertAt(RULES.tlsHandshake, HOSTS.webserver, T0 + index * 10));
    expect(find(step(context, alertAt(RULES.tlsHandshake, HOSTS.webserver, T0 + 5 * MINUTE + 10)), /bursting/)).toBeDefined();
  });
});

describe('context enricher: correlation and network-wide waves', () => {
  it('correlates with other alert types new to the host in the window (+0.4 each)', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    step(context, alertAt(RULES.clamavUpdate, HOSTS.intranet, T0));
    step(context, alertAt(RULES.sshScan, HOSTS.intranet, T0 + 7 * HOUR));
    const findings = step(context, alertAt(RULES.dovecotLogin, HOSTS.intranet, T0 + 7 * HOUR + 5 * MINUTE));
    expect(find(findings, /other alert type/)).toEqual({
      kind: 'context',
      claim: expect.stringMatching(/^1 other alert type new to host intranet_server .*wazuh: sshd: insecure connection attempt \(scan\)\. \(new\)/),
      weight: 0.4,
      refs: ['entities(host:intranet_server)', 'stream:context-window'],
    });
    // Outside the window it no longer counts.
    expect(find(step(context, alertAt(RULES.dovecotLogin, HOSTS.intranet, T0 + 8 * HOUR)), /other alert type/)).toBeUndefined();
  });

  it('correlates with a suspicious alert type on the host (+0.8), without waiting for the warm-up', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    step(context, alertAt(RULES.webAttack, HOSTS.intranet, T0), { intrinsic: 0.7 });
    const findings = step(context, alertAt(RULES.sudoRoot, HOSTS.intranet, T0 + 2 * MINUTE));
    expect(find(findings, /other alert type/)).toMatchObject({ weight: 0.8, claim: expect.stringContaining('wazuh: common web attack. (suspicious)') });
    // Not suspicious on its own: an ordinary alert before it is not correlation.
    const quiet = createContextEnricher(NO_BASELINE_WAIT);
    step(quiet, alertAt(RULES.webAttack, HOSTS.intranet, T0), { intrinsic: 0.3 });
    expect(find(step(quiet, alertAt(RULES.sudoRoot, HOSTS.intranet, T0 + 2 * MINUTE)), /other alert type/)).toBeUndefined();
  });

  it('sees a wave when two other hosts raised new or suspicious types in the window (+0.4, +0.8 from four)', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    step(context, alertAt(RULES.nmapUserAgent, HOSTS.mail, T0), { intrinsic: 0.6 });
    step(context, alertAt(RULES.nmapUserAgent, HOSTS.vpn, T0 + 10), { intrinsic: 0.6 });
    const findings = step(context, alertAt(RULES.dovecotLogin, HOSTS.webserver, T0 + 2 * MINUTE));
    expect(find(findings, WAVE)).toEqual({
      kind: 'context',
      claim: expect.stringMatching(/^2 other hosts or accounts .*\(host mail, host vpn\)/),
      weight: 0.4,
      refs: ['stream:network-window'],
    });
    step(context, alertAt(RULES.nmapUserAgent, HOSTS.intranet, T0 + 3 * MINUTE), { intrinsic: 0.6 });
    step(context, alertAt(RULES.nmapUserAgent, HOSTS.dns, T0 + 4 * MINUTE), { intrinsic: 0.6 });
    expect(find(step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + 5 * MINUTE)), WAVE)?.weight).toBe(0.8);
    // 31 minutes after the last of them, the wave is over.
    expect(find(step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + 35 * MINUTE)), WAVE)).toBeUndefined();
  });

  it('one other host is not a wave', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    step(context, alertAt(RULES.clamavUpdate, HOSTS.dns, T0 - HOUR)); // the stream has run a full window
    step(context, alertAt(RULES.nmapUserAgent, HOSTS.mail, T0), { intrinsic: 0.6 });
    const findings = step(context, alertAt(RULES.dovecotLogin, HOSTS.webserver, T0 + MINUTE));
    expect(find(findings, WAVE)).toBeUndefined();
    expect(find(findings, QUIET)).toBeDefined();
  });
});

describe('context enricher: incidents and quiet context', () => {
  const memoryHistory = [{ kind: 'memory', claim: 'Analysts closed 9 of 9 earlier alerts.', weight: -2, refs: ['memory:rule'], source: 'memory' }];

  it('in an incident, discounts the quiet-time history memory contributed (80 %)', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    step(context, alertAt(RULES.webAttack, HOSTS.intranet, T0), { intrinsic: 0.9 });
    const findings = step(context, alertAt(RULES.sudoRoot, HOSTS.intranet, T0 + MINUTE), { evidence: memoryHistory });
    const discount = find(findings, /active incident/);
    expect(discount?.claim).toMatch(/^host intranet_server is in an active incident.*80% discounted/);
    expect(discount!.weight).toBeCloseTo(1.6, 12);
    expect(discount!.benignReason).toBeUndefined();
    expect(find(findings, QUIET)).toBeUndefined();
  });

  it('outside an incident leaves history alone and says the context is quiet', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    // The rule fired here before: a rule firing for the first time is never "quiet" context.
    step(context, alertAt(RULES.sudoRoot, HOSTS.intranet, T0));
    const findings = step(context, alertAt(RULES.sudoRoot, HOSTS.intranet, T0 + 40 * MINUTE), { evidence: memoryHistory });
    expect(find(findings, /active incident/)).toBeUndefined();
    expect(findings).toEqual([
      {
        kind: 'context',
        claim: expect.stringMatching(
          /^Nothing else new or suspicious .* on host intranet_server or across the network .*30 min \(baseline: host intranet_server watched 40 min \(1 alerts\), the network 40 min \(1 alerts\)\)\.$/,
        ),
        weight: -0.4,
        refs: ['entities(host:intranet_server)', 'stream:context-window'],
        benignReason: 'expected_activity',
      },
    ]);
  });

  it('a routine event alone reads as routine; the same event amid new suspicious activity on its host does not', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    for (let hour = 0; hour < 13; hour += 1) step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + hour * HOUR + MINUTE));
    const alone = step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + 13 * HOUR + MINUTE));
    expect(claims(alone).some((claim) => claim.includes('is routine'))).toBe(true);
    step(context, alertAt(RULES.sudoRoot, HOSTS.davey, T0 + 13 * HOUR + 10 * MINUTE), { intrinsic: 0.8 });
    const amid = step(context, alertAt(RULES.dovecotLogin, HOSTS.davey, T0 + 13 * HOUR + 12 * MINUTE));
    expect(claims(amid).some((claim) => claim.includes('is routine'))).toBe(false);
    expect(find(amid, /other alert type/)?.weight).toBeGreaterThanOrEqual(0.8);
    expect(amid.reduce((sum, finding) => sum + finding.weight, 0)).toBeGreaterThan(0);
    expect(alone.reduce((sum, finding) => sum + finding.weight, 0)).toBeLessThan(0);
  });

  it('a rule new to a host but routine across the fleet is mildly benign', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    for (let hour = 0; hour < 7; hour += 1) {
      for (const host of [HOSTS.mail, HOSTS.vpn, HOSTS.dns]) step(context, alertAt(RULES.clamavUpdate, host, T0 + hour * HOUR));
    }
    const findings = step(context, alertAt(RULES.clamavUpdate, HOSTS.webserver, T0 + 7 * HOUR));
    expect(find(findings, /routine across the fleet/)).toMatchObject({
      claim: expect.stringMatching(/^"Wazuh: ClamAV database update" is new on host webserver but routine across the fleet \(3 subjects, 7 hours; the network watched 7 h\)/),
      weight: -0.5,
      benignReason: 'expected_activity',
    });
  });
});

describe('context enricher: bounded state', () => {
  it('tracks at most maxEntities subjects, dropping the least recently seen', () => {
    const context = createContextEnricher({ maxEntities: 3 });
    const hosts = Object.values(HOSTS);
    hosts.forEach((host, index) => step(context, alertAt(RULES.clamavUpdate, host, T0 + index)));
    expect(hosts.length).toBeGreaterThan(3);
    expect(context.size).toBe(3);
    // The first host was dropped: seven hours later it has no watch history, so a rule is not "new" there.
    const dropped = step(context, alertAt(RULES.sshScan, hosts[0]!, T0 + 7 * HOUR));
    expect(find(dropped, /first time/)).toBeUndefined();
    expect(context.size).toBe(3);
  });

  it('returns nothing for an alert without host, user or address', () => {
    const context = createContextEnricher(NO_BASELINE_WAIT);
    const alert = { ...alertAt(RULES.clamavUpdate, HOSTS.mail, T0), entities: [] };
    expect(step(context, alert)).toEqual([]);
    expect(context.size).toBe(0);
  });
});
