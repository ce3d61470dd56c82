import type { Finding } from '../enricher.js';
import { clip, organizationalDomain, uniqueRefs, type MessageFacts } from './email-facts.js';
import { parseAuthenticationResults, parseReceivedSpf, type AuthenticationResult } from './email-headers.js';
import type { EmailChecks } from './email.js';

/** A result as claims quote it (clipped), with the DMARC policy comment. */
function quote(result: AuthenticationResult): string {
  const comment = result.comment && result.method === 'dmarc' ? ` (${result.comment})` : '';
  return `"${clip(result.text + comment)}"`;
}

/** The published DMARC policy (none, quarantine, reject) as the receiver reported it. */
function dmarcPolicy(result: AuthenticationResult): string | undefined {
  const fromComment = /\bp=(\w+)/i.exec(result.comment)?.[1];
  const policy = fromComment ?? result.properties['policy.published-domain-policy'] ?? result.properties['action'];
  return policy?.toLowerCase().replace(/^(pct\.|o)/, '');
}

/** Findings on SPF, DKIM, DMARC and compauth; `isAuthenticated` says the From domain passed aligned. */
export function authenticationFindings(facts: MessageFacts, fromDomain: string, checks: EmailChecks): { findings: Finding[]; isAuthenticated: boolean } {
  const header = facts.authenticationResults;
  const results = header ? parseAuthenticationResults(header.value) : [];
  const headerSpf = results.find((result) => result.method === 'spf');
  const spf = headerSpf ?? (facts.receivedSpf ? parseReceivedSpf(facts.receivedSpf.value) : undefined);
  const spfRef = headerSpf ? header?.ref : facts.receivedSpf?.ref;
  const dkims = results.filter((result) => result.method === 'dkim');
  const dkimPass = dkims.find((result) => result.result === 'pass');
  const dkimFailure = dkimPass ? undefined : dkims.find((result) => result.result === 'fail' || result.result === 'permerror');
  const dmarc = results.find((result) => result.method === 'dmarc');
  const compauth = results.find((result) => result.method === 'compauth');

  const isAligned = (domain: string | undefined): boolean => domain !== undefined && fromDomain !== '' && organizationalDomain(domain.replace(/^.*@/, '')) === organizationalDomain(fromDomain);
  const headerFrom = dmarc?.properties['header.from'];
  const isDmarcAligned = dmarc?.result === 'pass' && (headerFrom === undefined || isAligned(headerFrom));
  const spfDomain = spf?.properties['smtp.mailfrom'] ?? spf?.properties['envelope-from'];
  const isSpfAligned = spf?.result === 'pass' && isAligned(spfDomain);
  const isDkimAligned = dkims.some((result) => result.result === 'pass' && isAligned(result.properties['header.d'] ?? result.properties['header.i']));
  const isSpfFailure = spf?.result === 'fail' || spf?.result === 'softfail';
  const isDmarcFailure = dmarc?.result === 'fail';
  const isCompauthFailure = compauth?.result === 'fail';
  const hasFailure = isSpfFailure || dkimFailure !== undefined || isDmarcFailure || isCompauthFailure;
  const isAuthenticated = !hasFailure && (isDmarcAligned || (isSpfAligned && isDkimAligned));

  const findings: Finding[] = [];
  const headerRefs = uniqueRefs(header?.ref);
  if (spf && isSpfFailure) {
    const isHard = spf.result === 'fail';
    // Forwarding breaks SPF but not DKIM: with an aligned signature the SPF result is only context.
    const isForwardLike = isDkimAligned || isDmarcAligned;
    findings.push({
      kind: 'email',
      claim:
        `SPF ${spf.result}: ${quote(spf)} — the sending server is ${isHard ? 'not' : 'probably not'} authorised ` +
        `for the envelope sender's domain` +
        (isForwardLike ? ', though an aligned DKIM signature verifies (as with forwarded mail).' : '.'),
      weight: isForwardLike ? 0 : isHard ? 0.6 : 0.3,
      refs: uniqueRefs(spfRef),
    });
  }
  if (dkimFailure) {
    findings.push({
      kind: 'email',
      claim: `DKIM ${dkimFailure.result}: ${quote(dkimFailure)} — no signature on the message verifies.`,
      weight: 0.5,
      refs: headerRefs,
    });
  }
  if (dmarc && isDmarcFailure) {
    const policy = dmarcPolicy(dmarc);
    const isEnforced = policy === 'reject' || policy === 'quarantine';
    findings.push({
      kind: 'email',
      claim:
        `DMARC fail: ${quote(dmarc)} — the message is not authenticated for its From domain ` +
        `${headerFrom ?? (fromDomain || '(unknown)')}${isEnforced ? `, whose owner publishes p=${policy}` : ''}.`,
      weight: isEnforced ? 1.2 : 0.8,
      refs: headerRefs,
      attack: ['T1672'],
    });
  } else if (compauth && isCompauthFailure) {
    // compauth is Microsoft's composite of SPF, DKIM, DMARC and sender history: count it only
    // when DMARC did not already, or the same failure would be counted twice.
    findings.push({
      kind: 'email',
      claim: `Composite authentication failed: ${quote(compauth)} — the receiving service judged the sender unauthenticated.`,
      weight: 0.8,
      refs: headerRefs,
      attack: ['T1672'],
    });
  }
  // Free-mail providers authenticate every account, so a pass there says nothing about the person.
  if (isAuthenticated && !checks.freeMailDomains.has(organizationalDomain(fromDomain))) {
    const passed = [spf, dkimPass, dmarc].filter((result) => result?.result === 'pass').map((result) => quote(result!));
    findings.push({
      kind: 'email',
      claim:
        `Sender authentication passes aligned with the From domain ${fromDomain}: ${passed.join('; ')}; ` +
        'the message really comes from that domain, though attackers also authenticate domains they own.',
      weight: -0.4,
      refs: uniqueRefs(header?.ref, spfRef),
      benignReason: 'expected_activity',
    });
  }
  return { findings, isAuthenticated };
}
