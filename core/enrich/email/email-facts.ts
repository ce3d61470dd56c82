import emailAddresses from 'email-addresses';
import type { Alert } from '../../spec/alert.js';
import { registrableDomain } from '../domain-url/domain-name.js';
import { truncate } from '../truncate.js';
import { entityRef } from '../field-path.js';

/** What the email enricher reads of a message: the sender's header facts, addresses and domains, quoted safely. */

export interface Fact {
  value: string;
  ref: string;
}
export type FactName = 'from' | 'displayName' | 'replyTo' | 'returnPath' | 'subject' | 'authenticationResults' | 'receivedSpf' | 'dkimSignature';
export type MessageFacts = Partial<Record<FactName, Fact>>;

const PROPERTY_NAMES: readonly FactName[] = ['displayName', 'replyTo', 'returnPath', 'subject', 'authenticationResults', 'receivedSpf', 'dkimSignature'];

/** Flat field names (lower case; ECS names and raw header names) and the fact each carries. */
const FIELD_FACTS = new Map<string, FactName>([
  ['email.from', 'from'],
  ['email.from.address', 'from'],
  ['email.display_name', 'displayName'],
  ['email.from.display_name', 'displayName'],
  ['email.reply_to', 'replyTo'],
  ['email.reply_to.address', 'replyTo'],
  ['reply-to', 'replyTo'],
  ['email.return_path', 'returnPath'],
  ['return-path', 'returnPath'],
  ['email.subject', 'subject'],
  ['authentication-results', 'authenticationResults'],
  ['email.authentication_results', 'authenticationResults'],
  ['received-spf', 'receivedSpf'],
  ['email.received_spf', 'receivedSpf'],
  ['dkim-signature', 'dkimSignature'],
  ['email.dkim_signature', 'dkimSignature'],
]);

/** The sender's facts: the email entity carrying header properties wins, flat fields fill gaps. */
export function collectFacts(alert: Alert): MessageFacts {
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
    facts.from = { value: entity.value, ref: entityRef(senderIndex) };
    for (const name of PROPERTY_NAMES) {
      const value = entity.properties?.[name];
      if (value) facts[name] = { value, ref: entityRef(senderIndex, name) };
    }
  }
  for (const key in alert.fields) {
    const name = FIELD_FACTS.get(key.toLowerCase());
    const value = alert.fields[key];
    if (name && value && !facts[name]) facts[name] = { value, ref: `fields.${key}` };
  }
  return facts;
}

/** One mailbox of a header: address and domain in lower case, and the display name shown with it. */
export interface Mailbox {
  address: string;
  domain: string;
  displayName: string | undefined;
}

const ADDRESS = /[^\s<>"',;:()]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)/gi;

/**
 * The mailboxes of an address header (From, Reply-To, Return-Path), read by an RFC 5322 parser so
 * a quoted display name is never taken for the address: `"security@example.com"
 * <attacker@evil.example>` is the mailbox attacker@evil.example shown as "security@example.com".
 * Headers an attacker broke on purpose fall back to the angle-bracket address, else to every
 * address-like token outside quotes.
 */
export function mailboxesIn(text: string): Mailbox[] {
  const parsed = emailAddresses.parseAddressList({ input: text, rfc6532: true, atInDisplayName: true, commaInDisplayName: true });
  if (parsed !== null && parsed.length > 0) {
    return parsed
      .flatMap((entry) => (entry.type === 'group' ? entry.addresses : [entry]))
      .map((mailbox) => ({ address: mailbox.address.toLowerCase(), domain: mailbox.domain.toLowerCase(), displayName: mailbox.name?.trim() || undefined }));
  }
  const angle = /^(.*)<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$/s.exec(text.trim());
  if (angle?.[2] !== undefined) {
    const address = angle[2].toLowerCase();
    const name = angle[1]!
      .trim()
      .replace(/^"(.*)"$/s, '$1')
      .trim();
    return [{ address, domain: address.slice(address.lastIndexOf('@') + 1), displayName: name || undefined }];
  }
  return addressesIn(text.replace(/"(?:[^"\\]|\\.)*"/g, ' ')).map((mailbox) => ({ ...mailbox, displayName: undefined }));
}

/** Every address-like token of a text (display names included), lower case, with its domain. */
export function addressesIn(text: string): { address: string; domain: string }[] {
  return [...text.matchAll(ADDRESS)].map((match) => ({
    address: match[0].toLowerCase(),
    domain: match[1]!.toLowerCase(),
  }));
}

/** The registrable domain (public-suffix aware), so mail.corp.example aligns with corp.example. */
export function organizationalDomain(domain: string): string {
  return registrableDomain(domain);
}

/** Header text is attacker-controlled: claims quote at most this much of it. */
export function clip(text: string, length = 120): string {
  return truncate(text, length);
}

/** The refs of the facts a claim rests on, each once. */
export function uniqueRefs(...refs: (string | undefined)[]): string[] {
  return [...new Set(refs.filter((ref): ref is string => Boolean(ref)))];
}
