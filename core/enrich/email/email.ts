import { z } from 'zod';
import { ConfigError } from '../../spec/errors.js';
import type { EnricherV1, Finding } from '../enricher.js';
import { authenticationFindings } from './email-authentication.js';
import { clip, collectFacts, mailboxesIn, organizationalDomain, type Fact } from './email-facts.js';
import { identityFindings, nameWords } from './email-identity.js';

const DomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'write a bare domain such as corp.example');

export const EmailOptionsSchema = z.strictObject({
  /** Domains the organisation sends from; a display name naming one of them from elsewhere is impersonation. */
  organizationDomains: z.array(DomainSchema).default([]),
  /** Executive names ("Dana Whitfield"); used from a free-mail or outside address they point to fraud. */
  executiveNames: z.array(z.string().trim().min(1)).default([]),
  /** Free-mail domains added to the built-in list. */
  freeMailDomains: z.array(DomainSchema).default([]),
});
export type EmailOptions = z.infer<typeof EmailOptionsSchema>;

const FREE_MAIL_DOMAINS = [
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'ymail.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.com',
  'gmx.net',
  'gmx.de',
  'web.de',
  'mail.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'zoho.com',
  'tutanota.com',
  'tuta.io',
  'fastmail.com',
  'qq.com',
  '163.com',
  '126.com',
];

const PRESSURE_WORDS = [
  'urgent(?:ly)?',
  'immediate(?:ly)?',
  'asap',
  'action required',
  'time[- ]sensitive',
  'final notice',
  'right away',
  'invoice',
  'payments?',
  'wire(?: transfer)?',
  'bank (?:details|account)',
  'remittance',
  'overdue',
  'past due',
  'gift ?cards?',
  'purchase order',
  'payroll',
  'direct deposit',
];
const SUBJECT_PRESSURE = new RegExp(`\\b(?:${PRESSURE_WORDS.join('|')})\\b`, 'gi');

/** The options as the checks use them: organisational domains, executive names as words. */
export interface EmailChecks {
  organizationDomains: Set<string>;
  freeMailDomains: Set<string>;
  executiveNames: { name: string; words: string[] }[];
}

function subjectFinding(subject: Fact): Finding[] {
  const words = [...new Set([...subject.value.matchAll(SUBJECT_PRESSURE)].map((match) => match[0].toLowerCase()))];
  if (words.length === 0) return [];
  return [
    {
      kind: 'email',
      claim: `The subject "${clip(subject.value)}" uses urgency or payment wording (${words.join(', ')}).`,
      weight: 0.3,
      refs: [subject.ref],
    },
  ];
}

/**
 * Reads the sender's authentication results and identity headers. Offline and pure: every
 * check is a function of the alert and the options.
 */
export function createEmailEnricher(options: z.input<typeof EmailOptionsSchema> = {}, _context?: { baseDir: string }): EnricherV1 {
  const parsed = EmailOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError(`enrichers.email options are invalid: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const checks: EmailChecks = {
    organizationDomains: new Set(parsed.data.organizationDomains.map(organizationalDomain)),
    freeMailDomains: new Set([...FREE_MAIL_DOMAINS, ...parsed.data.freeMailDomains]),
    executiveNames: parsed.data.executiveNames.map((name) => ({ name, words: nameWords(name) })).filter((executive) => executive.words.length > 0),
  };

  return {
    id: 'email',
    description: 'Email sender checks: SPF/DKIM/DMARC results, display-name and executive impersonation, ' + 'Reply-To and Return-Path mismatch, pressure wording.',
    enrich(alert) {
      const facts = collectFacts(alert);
      if (!facts.from && !facts.authenticationResults && !facts.receivedSpf && !facts.subject) return [];
      const mailbox = facts.from ? mailboxesIn(facts.from.value)[0] : undefined;
      const { findings, isAuthenticated } = authenticationFindings(facts, mailbox?.domain ?? '', checks);
      if (mailbox) {
        // A flat `email.from` may carry the display name itself: "Dana Whitfield" <dana@example.test>.
        const sender = { address: mailbox.address, domain: mailbox.domain, displayName: facts.displayName?.value ?? mailbox.displayName };
        findings.push(...identityFindings(facts, sender, isAuthenticated, checks));
      }
      if (facts.subject) findings.push(...subjectFinding(facts.subject));
      return findings;
    },
  };
}
