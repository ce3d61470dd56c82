import { getDomain } from 'tldts';
import { z } from 'zod';
import type { Alert } from '../spec/alert.js';
import { ConfigError } from '../spec/errors.js';
import type { EnricherV1, Finding } from './enricher.js';

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
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com',
  'ymail.com', 'aol.com', 'icloud.com', 'me.com', 'mac.com', 'proton.me', 'protonmail.com', 'pm.me',
  'gmx.com', 'gmx.net', 'gmx.de', 'web.de', 'mail.com', 'yandex.com', 'yandex.ru', 'mail.ru',
  'zoho.com', 'tutanota.com', 'tuta.io', 'fastmail.com', 'qq.com', '163.com', '126.com',
];

const PRESSURE_WORDS = [
  'urgent(?:ly)?', 'immediate(?:ly)?', 'asap', 'action required', 'time[- ]sensitive', 'final notice', 'right away',
  'invoice', 'payments?', 'wire(?: transfer)?', 'bank (?:details|account)', 'remittance', 'overdue', 'past due',
  'gift ?cards?', 'purchase order', 'payroll', 'direct deposit',
];
const SUBJECT_PRESSURE = new RegExp(`\\b(?:${PRESSURE_WORDS.join('|')})\\b`, 'gi');

/** One method's result from an Authentication-Results header (RFC 8601 `resinfo`). */
export interface AuthenticationResult {
  method: string;
  result: string;
  /** `reason=` and `ptype.property=` values (`smtp.mailfrom`, `header.d`, `header.from`, `action`…). */
  properties: Record<string, string>;
  /** Text of the parenthesised comments, e.g. `p=REJECT sp=REJECT dis=NONE`. */
  comment: string;
  /** The resinfo without comments, whitespace collapsed: what claims quote. */
  text: string;
}

/** Splits on `separator` outside comments and quoted strings; collects top-level comments per part. */
function splitOutsideComments(text: string, separator: string): { body: string; comment: string }[] {
  const parts: { body: string; comment: string }[] = [];
  let body = '';
  let comment = '';
  let depth = 0;
  let isQuoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '\\' && (isQuoted || depth > 0)) {
      const next = text[index + 1] ?? '';
      if (depth > 0) comment += next;
      else body += char + next;
      index++;
    } else if (char === '"' && depth === 0) {
      isQuoted = !isQuoted;
      body += char;
    } else if (char === '(' && !isQuoted) {
      if (depth > 0) comment += char;
      else if (comment) comment += ' ';
      depth++;
    } else if (char === ')' && !isQuoted && depth > 0) {
      depth--;
      if (depth > 0) comment += char;
    } else if (depth > 0) {
      comment += char;
    } else if (char === separator && !isQuoted) {
      parts.push({ body, comment });
      body = '';
      comment = '';
    } else {
      body += char;
    }
  }
  parts.push({ body, comment });
  return parts;
}

const PAIR = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

/**
 * Parses one or more Authentication-Results headers (RFC 8601 §2.2). Lenient: vendors add
 * non-standard properties (`action=`, `compauth=`) and sometimes omit the authserv-id.
 */
export function parseAuthenticationResults(header: string): AuthenticationResult[] {
  const results: AuthenticationResult[] = [];
  for (const single of header.split(/\r?\n(?=\s*Authentication-Results\s*:)/i)) {
    const value = single.replace(/^\s*Authentication-Results\s*:/i, '');
    splitOutsideComments(value, ';').forEach(({ body, comment }, index) => {
      const text = body.replace(/\s*=\s*/g, '=').replace(/\s+/g, ' ').trim();
      const pairs = [...text.matchAll(PAIR)];
      const first = pairs[0];
      // The first part is the authserv-id (with an optional version) unless it already holds a result.
      if (!first || (index === 0 && first.index !== 0)) return;
      const properties: Record<string, string> = {};
      for (const pair of pairs.slice(1)) {
        properties[pair[1]!.toLowerCase()] = pair[2]!.replace(/^"|"$/g, '');
      }
      results.push({
        method: first[1]!.toLowerCase().replace(/\/.*$/, ''),
        result: first[2]!.toLowerCase(),
        properties,
        comment: comment.replace(/\s+/g, ' ').trim(),
        text,
      });
    });
  }
  return results;
}

/** Parses a Received-SPF header (RFC 7208 §9.1): the result word, a comment, then key=value pairs. */
export function parseReceivedSpf(header: string): AuthenticationResult | undefined {
  const parts = splitOutsideComments(header.replace(/^\s*Received-SPF\s*:/i, ''), ';');
  const text = parts.map((part) => part.body).join(' ').replace(/\s+/g, ' ').trim();
  const result = /^([a-z]+)/i.exec(text)?.[1]?.toLowerCase();
  if (!result) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of text.matchAll(PAIR)) properties[pair[1]!.toLowerCase()] = pair[2]!.replace(/^"|"$/g, '');
  const comment = parts.map((part) => part.comment).filter(Boolean).join(' ');
  return { method: 'spf', result, properties, comment, text: `Received-SPF: ${text}` };
}

interface Fact {
  value: string;
  ref: string;
}
type FactName =
  | 'from' | 'displayName' | 'replyTo' | 'returnPath' | 'subject'
  | 'authenticationResults' | 'receivedSpf' | 'dkimSignature';
type MessageFacts = Partial<Record<FactName, Fact>>;

const PROPERTY_NAMES: readonly FactName[] = [
  'displayName', 'replyTo', 'returnPath', 'subject', 'authenticationResults', 'receivedSpf', 'dkimSignature',
];

/** Flat field names (lower case; ECS names and raw header names) and the fact each carries. */
const FIELD_FACTS = new Map<string, FactName>([
  ['email.from', 'from'], ['email.from.address', 'from'],
  ['email.display_name', 'displayName'], ['email.from.display_name', 'displayName'],
  ['email.reply_to', 'replyTo'], ['email.reply_to.address', 'replyTo'], ['reply-to', 'replyTo'],
  ['email.return_path', 'returnPath'], ['return-path', 'returnPath'],
  ['email.subject', 'subject'],
  ['authentication-results', 'authenticationResults'], ['email.authentication_results', 'authenticationResults'],
  ['received-spf', 'receivedSpf'], ['email.received_spf', 'receivedSpf'],
  ['dkim-signature', 'dkimSignature'], ['email.dkim_signature', 'dkimSignature'],
]);

/** The sender's facts: the email entity carrying header properties wins, flat fields fill gaps. */
function collectFacts(alert: Alert): MessageFacts {
  const facts: MessageFacts = {};
  let senderIndex = -1;
  alert.entities.forEach((entity, index) => {
    if (entity.kind !== 'email') return;
    const isSender = entity.properties !== undefined || entity.role === 'actor' || entity.role === 'source';
    if (isSender && (senderIndex < 0 || (entity.properties && !alert.entities[senderIndex]!.properties))) {
      senderIndex = index;
    }
  });
  if (senderIndex >= 0) {
    const entity = alert.entities[senderIndex]!;
    facts.from = { value: entity.value, ref: `entities[${senderIndex}].value` };
    for (const name of PROPERTY_NAMES) {
      const value = entity.properties?.[name];
      if (value) facts[name] = { value, ref: `entities[${senderIndex}].properties.${name}` };
    }
  }
  for (const key in alert.fields) {
    const name = FIELD_FACTS.get(key.toLowerCase());
    const value = alert.fields[key];
    if (name && value && !facts[name]) facts[name] = { value, ref: `fields.${key}` };
  }
  return facts;
}

const ADDRESS = /[^\s<>"',;:()]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)/gi;
const DOMAIN_TOKEN = /\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b/gi;

function addressesIn(text: string): { address: string; domain: string }[] {
  return [...text.matchAll(ADDRESS)].map((match) => ({
    address: match[0].toLowerCase(),
    domain: match[1]!.toLowerCase(),
  }));
}

/** The registrable domain (public-suffix aware), so mail.corp.example aligns with corp.example. */
function organizationalDomain(domain: string): string {
  return getDomain(domain) ?? domain.toLowerCase();
}

/** The words of a name: lower case, accents dropped; order is ignored so "Whitfield, Dana" matches. */
function nameWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/** Header text is attacker-controlled: claims quote at most this much of it. */
function clip(text: string, length = 120): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function quote(result: AuthenticationResult): string {
  const comment = result.comment && result.method === 'dmarc' ? ` (${result.comment})` : '';
  return `"${clip(result.text + comment)}"`;
}

function uniqueRefs(...refs: (string | undefined)[]): string[] {
  return [...new Set(refs.filter((ref): ref is string => Boolean(ref)))];
}

function dmarcPolicy(result: AuthenticationResult): string | undefined {
  const fromComment = /\bp=(\w+)/i.exec(result.comment)?.[1];
  const policy = fromComment ?? result.properties['policy.published-domain-policy'] ?? result.properties['action'];
  return policy?.toLowerCase().replace(/^(pct\.|o)/, '');
}

interface EmailChecks {
  organizationDomains: Set<string>;
  freeMailDomains: Set<string>;
  executiveNames: { name: string; words: string[] }[];
}

/** Findings on SPF, DKIM, DMARC and compauth; `isAuthenticated` says the From domain passed aligned. */
function authenticationFindings(
  facts: MessageFacts,
  fromDomain: string,
  checks: EmailChecks,
): { findings: Finding[]; isAuthenticated: boolean } {
  const header = facts.authenticationResults;
  const results = header ? parseAuthenticationResults(header.value) : [];
  const headerSpf = results.find((result) => result.method === 'spf');
  const spf = headerSpf ?? (facts.receivedSpf ? parseReceivedSpf(facts.receivedSpf.value) : undefined);
  const spfRef = headerSpf ? header?.ref : facts.receivedSpf?.ref;
  const dkims = results.filter((result) => result.method === 'dkim');
  const dkimPass = dkims.find((result) => result.result === 'pass');
  const dkimFailure = dkimPass
    ? undefined
    : dkims.find((result) => result.result === 'fail' || result.result === 'permerror');
  const dmarc = results.find((result) => result.method === 'dmarc');
  const compauth = results.find((result) => result.method === 'compauth');

  const isAligned = (domain: string | undefined): boolean =>
    domain !== undefined &&
    fromDomain !== '' &&
    organizationalDomain(domain.replace(/^.*@/, '')) === organizationalDomain(fromDomain);
  const headerFrom = dmarc?.properties['header.from'];
  const isDmarcAligned = dmarc?.result === 'pass' && (headerFrom === undefined || isAligned(headerFrom));
  const spfDomain = spf?.properties['smtp.mailfrom'] ?? spf?.properties['envelope-from'];
  const isSpfAligned = spf?.result === 'pass' && isAligned(spfDomain);
  const isDkimAligned = dkims.some(
    (result) => result.result === 'pass' && isAligned(result.properties['header.d'] ?? result.properties['header.i']),
  );
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

interface Sender {
  address: string;
  domain: string;
  displayName: string | undefined;
}

function identityFindings(
  facts: MessageFacts,
  sender: Sender,
  isAuthenticated: boolean,
  checks: EmailChecks,
): Finding[] {
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
      shownAddress?.domain ?? displayName.match(DOMAIN_TOKEN)?.map((token) => token.toLowerCase()).find(isOrganizationDomain);
    if (shownDomain) {
      const isOrganization = isOrganizationDomain(shownDomain);
      const shown = shownAddress ? `the address ${shownAddress.address}` : `the domain ${shownDomain}`;
      findings.push({
        kind: 'email',
        claim:
          `The display name "${clip(displayName)}" shows ${shown}` +
          `${isOrganization ? ", one of the organisation's domains," : ''} but the message was sent from ${sender.address}.`,
        weight: isOrganization ? 1.2 : 0.8,
        refs,
        attack: ['T1656'],
      });
    }
    const displayWords = new Set(nameWords(displayName));
    const executive = checks.executiveNames.find((candidate) =>
      candidate.words.every((word) => displayWords.has(word)),
    );
    const isOutside = isFreeMail || checks.organizationDomains.size > 0;
    if (executive && isOutside) {
      findings.push({
        kind: 'email',
        claim:
          `The display name "${clip(displayName)}" names the executive ${executive.name}, but the message comes ` +
          `from ${isFreeMail ? 'the free-mail' : 'the outside'} address ${sender.address}.`,
        weight: isFreeMail ? 1.3 : 0.6,
        refs,
        attack: ['T1656'],
      });
    }
  }

  if (facts.replyTo) {
    const replyTo = addressesIn(facts.replyTo.value).find((reply) => organizationalDomain(reply.domain) !== fromOrg);
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
    const returnPath = addressesIn(facts.returnPath.value).find((bounce) => organizationalDomain(bounce.domain) !== fromOrg);
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
export function createEmailEnricher(
  options: z.input<typeof EmailOptionsSchema> = {},
  _context?: { baseDir: string },
): EnricherV1 {
  const parsed = EmailOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError(`enrichers.email options are invalid: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const checks: EmailChecks = {
    organizationDomains: new Set(parsed.data.organizationDomains.map(organizationalDomain)),
    freeMailDomains: new Set([...FREE_MAIL_DOMAINS, ...parsed.data.freeMailDomains]),
    executiveNames: parsed.data.executiveNames
      .map((name) => ({ name, words: nameWords(name) }))
      .filter((executive) => executive.words.length > 0),
  };

  return {
    id: 'email',
    description:
      'Email sender checks: SPF/DKIM/DMARC results, display-name and executive impersonation, ' +
      'Reply-To and Return-Path mismatch, pressure wording.',
    enrich(alert) {
      const facts = collectFacts(alert);
      if (!facts.from && !facts.authenticationResults && !facts.receivedSpf && !facts.subject) return [];
      const mailbox = facts.from ? addressesIn(facts.from.value)[0] : undefined;
      const { findings, isAuthenticated } = authenticationFindings(facts, mailbox?.domain ?? '', checks);
      if (mailbox) {
        // A flat `email.from` may carry the display name itself: "Dana Whitfield" <dana@example.test>.
        const displayName =
          facts.displayName?.value ?? /^\s*"?([^"<]*?)"?\s*</.exec(facts.from?.value ?? '')?.[1]?.trim();
        const sender = { ...mailbox, displayName: displayName || undefined };
        findings.push(...identityFindings(facts, sender, isAuthenticated, checks));
      }
      if (facts.subject) findings.push(...subjectFinding(facts.subject));
      return findings;
    },
  };
}
