import type { Alert } from '../spec/alert.js';
import { registrableDomain } from './domain-name.js';

/** What the email enricher reads of a message: the sender's header facts, addresses and domains, quoted safely. */

export interface Fact {
  value: string;
  ref: string;
}
export type FactName =
  | 'from' | 'displayName' | 'replyTo' | 'returnPath' | 'subject'
  | 'authenticationResults' | 'receivedSpf' | 'dkimSignature';
export type MessageFacts = Partial<Record<FactName, Fact>>;

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

/** Every mailbox in a header value, lower case, with its domain. */
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
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** The refs of the facts a claim rests on, each once. */
export function uniqueRefs(...refs: (string | undefined)[]): string[] {
  return [...new Set(refs.filter((ref): ref is string => Boolean(ref)))];
}
