import type { Finding } from '../enricher.js';
import { addressesIn, clip, mailboxesIn, organizationalDomain, uniqueRefs, type MessageFacts } from './email-facts.js';
import type { EmailChecks } from './email.js';

const DOMAIN_TOKEN = /\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b/gi;

/** The words of a name: lower case, accents dropped; order is ignored so "Whitfield, Dana" matches. */
export function nameWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/** The From mailbox and the display name shown with it. */
export interface Sender {
  address: string;
  domain: string;
  displayName: string | undefined;
}

/** Findings on who the sender claims to be: display-name and executive impersonation, Reply-To and Return-Path elsewhere. */
export function identityFindings(facts: MessageFacts, sender: Sender, isAuthenticated: boolean, checks: EmailChecks): Finding[] {
  const findings: Finding[] = [];
  const { displayName, domain: fromDomain } = sender;
  const fromOrg = organizationalDomain(fromDomain);
  const isInternal = checks.organizationDomains.has(fromOrg);
  const isFreeMail = checks.freeMailDomains.has(fromOrg);
  const refs = uniqueRefs(facts.displayName?.ref, facts.from?.ref);

  if (displayName && !isInternal) {
    const shownAddress = addressesIn(displayName).find((shown) => organizationalDomain(shown.domain) !== fromOrg);
    const isOrganizationDomain = (domain: string) => checks.organizationDomains.has(organizationalDomain(domain));
    const shownDomain =
      shownAddress?.domain ??
      displayName
        .match(DOMAIN_TOKEN)
        ?.map((token) => token.toLowerCase())
        .find(isOrganizationDomain);
    if (shownDomain) {
      const isOrganization = isOrganizationDomain(shownDomain);
      const shown = shownAddress ? `the address ${shownAddress.address}` : `the domain ${shownDomain}`;
      findings.push({
        kind: 'email',
        claim: `The display name "${clip(displayName)}" shows ${shown}` + `${isOrganization ? ", one of the organisation's domains," : ''} but the message was sent from ${sender.address}.`,
        weight: isOrganization ? 1.2 : 0.8,
        refs,
        attack: ['T1656'],
      });
    }
    const displayWords = new Set(nameWords(displayName));
    const executive = checks.executiveNames.find((candidate) => candidate.words.every((word) => displayWords.has(word)));
    const isOutside = isFreeMail || checks.organizationDomains.size > 0;
    if (executive && isOutside) {
      findings.push({
        kind: 'email',
        claim:
          `The display name "${clip(displayName)}" names the executive ${executive.name}, but the message comes ` + `from ${isFreeMail ? 'the free-mail' : 'the outside'} address ${sender.address}.`,
        weight: isFreeMail ? 1.3 : 0.6,
        refs,
        attack: ['T1656'],
      });
    }
  }

  if (facts.replyTo) {
    const replyTo = mailboxesIn(facts.replyTo.value).find((reply) => organizationalDomain(reply.domain) !== fromOrg);
    if (replyTo) {
      const isFreeReply = checks.freeMailDomains.has(organizationalDomain(replyTo.domain)) && !isFreeMail;
      findings.push({
        kind: 'email',
        claim:
          `Reply-To ${replyTo.address} is at ${replyTo.domain}${isFreeReply ? ' (a free-mail provider)' : ''}, ` +
          `not the From domain ${fromDomain}: replies go to someone other than the apparent sender.`,
        weight: isFreeReply ? 0.9 : 0.6,
        refs: [facts.replyTo.ref],
      });
    }
  }
  if (facts.returnPath) {
    const returnPath = mailboxesIn(facts.returnPath.value).find((bounce) => organizationalDomain(bounce.domain) !== fromOrg);
    if (returnPath) {
      // Bulk senders bounce to their provider's domain; once DMARC aligns the From domain this is only context.
      findings.push({
        kind: 'email',
        claim: `Return-Path ${returnPath.address} is at ${returnPath.domain}, not the From domain ${fromDomain}.`,
        weight: isAuthenticated ? 0 : 0.2,
        refs: [facts.returnPath.ref],
      });
    }
  }
  return findings;
}
