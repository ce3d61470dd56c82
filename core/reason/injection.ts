import type { Enricher, Finding } from '../enrich/enricher.js';
import type { Alert } from '../spec/alert.js';
import { entityRef } from '../enrich/field-path.js';

/**
 * Instruction-like text inside an alert: someone wrote to the triage system instead of to a
 * person. That is itself suspicious (benign software does not address an AI in its user agent),
 * so it becomes malicious evidence, strong enough that the model may not lower the score.
 */
export const INJECTION_EVIDENCE_KIND = 'prompt_injection';
export const INJECTION_WEIGHT = 2.0;

interface InjectionPattern {
  id: string;
  pattern: RegExp;
}

const PATTERNS: InjectionPattern[] = [
  {
    id: 'override-instructions',
    pattern: /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(instructions?|guidelines|prompts?|directives?|guardrails|(previous|prior|above|earlier|all|your|the) (rules|context))\b/i,
  },
  { id: 'new-instructions', pattern: /\b(new|updated|real|actual|following)\s+(system\s+)?(instructions?|directives?|task)\s*[:-]/i },
  { id: 'role-switch', pattern: /\b(you are now|from now on,? you|act as (an?|the)|pretend (to be|you are)|roleplay as|switch to .{0,20}mode|developer mode|jailbreak|DAN mode)\b/i },
  { id: 'prompt-exfiltration', pattern: /\b(system prompt|system message|developer message|initial instructions|hidden instructions|your (instructions|prompt|rules))\b/i },
  { id: 'reveal-request', pattern: /\b(reveal|print|repeat|output|show|leak|echo)\b[^.\n]{0,30}\b(prompt|instructions|configuration|secrets?|api key)\b/i },
  {
    id: 'verdict-steering',
    pattern:
      /\b(mark|classify|label|treat|report|flag|close|resolve|set|tag|score|rate|consider)\b[^.\n]{0,40}\b(as|to)\s+(an?\s+)?(benign|false[\s_-]?positive|benign[\s_-]?positive|harmless|safe|legitimate|not malicious|non-malicious|authori[sz]ed|expected|low risk|resolved|closed)\b/i,
  },
  {
    id: 'verdict-assertion',
    pattern:
      /\b(this|the)\s+(alert|incident|event|detection|activity|file|email|message|process)\s+(is|was)\s+(a\s+)?(known\s+)?(benign|false[\s_-]?positive|harmless|safe|legitimate|authori[sz]ed|approved|whitelisted|allow-?listed)\b/i,
  },
  { id: 'suppress-response', pattern: /\b(do not|don't|never|no need to)\s+(flag|report|alert|escalate|investigate|isolate|block|notify|raise)\b/i },
  { id: 'addressing-ai', pattern: /\b(AI|LLM|assistant|language model|chatbot|GPT|copilot|triage (bot|agent|model|system)|security analyst bot)\b\s*[,:]\s*\S/i },
  { id: 'output-format', pattern: /(\{\s*"?(verdict|confidence|probabilityMalicious|citedEvidenceIds)"?\s*:|\b(respond|reply|answer|output|return)\s+(only\s+)?(with|exactly)\b)/i },
  {
    id: 'role-markers',
    pattern:
      /(<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|assistant\|>|\[\/?INST\]|<<\/?SYS>>|<\/s>|^\s*(system|assistant|developer)\s*:|#{2,}\s*(system|instructions?)\b|END[_ ]ALERT[_ ]DATA|BEGIN[_ ](SYSTEM|INSTRUCTIONS))/im,
  },
  {
    id: 'foreign-language',
    pattern:
      /\b(ignorier\w*\s+(alle\s+)?(vorherigen\s+|bisherigen\s+)?(Anweisungen|Regeln)|als\s+(harmlos|gutartig|Fehlalarm)\s+(markieren|einstufen)|ignore[zr]?\s+(toutes\s+)?les\s+(instructions|consignes)|(marquer|classer)\s+comme\s+(b[ée]nin|faux\s+positif)|ignora\s+(todas\s+)?las\s+instrucciones|(marcar|clasificar)\s+como\s+(benigno|falso\s+positivo))/i,
  },
  { id: 'tool-steering', pattern: /\b(call|invoke|use|run)\s+(the\s+)?(tool|function)\b|\b(lookupEntityHistory|lookupThreatIntel|searchPlatform)\b/i },
];

/** Alert text that could carry an injection, with the field path it came from. */
function alertTexts(alert: Alert): Array<{ path: string; text: string }> {
  const texts = [
    { path: 'title', text: alert.title },
    { path: 'ruleName', text: alert.ruleName },
    { path: 'description', text: alert.description ?? '' },
  ];
  alert.entities.forEach((entity, index) => {
    texts.push({ path: entityRef(index), text: entity.value });
    for (const [key, value] of Object.entries(entity.properties ?? {})) {
      texts.push({ path: entityRef(index, key), text: value });
    }
  });
  for (const [key, value] of Object.entries(alert.fields)) texts.push({ path: `fields.${key}`, text: value });
  return texts.filter((entry) => entry.text.length > 0);
}

/** Undo the cheap disguises: zero-width characters, compatibility forms, URL and base64 encoding. */
export function normalizeForScan(text: string): string[] {
  const cleaned = text
    .normalize('NFKC')
    .replace(/[\u200b-\u200f\u2060\ufeff\u00ad]/g, '')
    .replace(/\s+/g, ' ');
  const variants = [cleaned];
  // File and host names join words with underscores, which regex word boundaries do not split.
  if (cleaned.includes('_')) variants.push(cleaned.replace(/_+/g, ' '));
  if (/%[0-9a-f]{2}/i.test(cleaned)) {
    try {
      variants.push(decodeURIComponent(cleaned.replace(/\+/g, ' ')));
    } catch {
      // Not valid URL encoding: the plain variant is still scanned.
    }
  }
  for (const match of cleaned.matchAll(/[A-Za-z0-9+/]{24,}={0,2}/g)) {
    const decoded = Buffer.from(match[0], 'base64').toString('utf8');
    // Keep only decodings that are mostly printable text; binary payloads are someone else's finding.
    if (decoded.length > 0 && /^[\x20-\x7e\s]+$/.test(decoded)) variants.push(decoded);
  }
  return variants;
}

interface TextScan {
  patternIds: string[];
  snippet: string;
}

/** Scans of recent texts: titles, host and rule names repeat on almost every alert. */
const scanCache = new Map<string, TextScan | null>();
const SCAN_CACHE_LIMIT = 20_000;

function scanText(text: string): TextScan | null {
  const cached = scanCache.get(text);
  if (cached !== undefined) return cached;
  let scan: TextScan | null = null;
  for (const variant of normalizeForScan(text)) {
    const hits = PATTERNS.filter(({ pattern }) => pattern.test(variant));
    if (hits.length === 0) continue;
    scan ??= { patternIds: [], snippet: snippet(variant, hits[0]!.pattern) };
    for (const hit of hits) if (!scan.patternIds.includes(hit.id)) scan.patternIds.push(hit.id);
  }
  if (scanCache.size >= SCAN_CACHE_LIMIT) scanCache.clear();
  scanCache.set(text, scan);
  return scan;
}

export function detectInjection(alert: Alert): Finding | undefined {
  const refs: string[] = [];
  const patternIds = new Set<string>();
  let firstSnippet: string | undefined;
  for (const { path, text } of alertTexts(alert)) {
    const scan = scanText(text);
    if (!scan) continue;
    if (!refs.includes(path)) refs.push(path);
    for (const id of scan.patternIds) patternIds.add(id);
    firstSnippet ??= scan.snippet;
  }
  if (refs.length === 0) return undefined;
  return {
    kind: INJECTION_EVIDENCE_KIND,
    claim: `Alert text in ${refs.join(', ')} contains instruction-like text addressed to an automated triage system (${[...patternIds].join(', ')}).`,
    weight: INJECTION_WEIGHT,
    refs,
    detail: firstSnippet,
  };
}

function snippet(text: string, pattern: RegExp): string {
  const match = pattern.exec(text);
  const start = Math.max(0, (match?.index ?? 0) - 20);
  return JSON.stringify(text.slice(start, start + 120));
}

/** The same detector as an offline enricher, for pipelines that want it on every alert. */
export function createInjectionEnricher(): Enricher {
  return {
    id: 'prompt-injection',
    description: 'Flags alert text that addresses an automated triage system (instruction-like text).',
    enrich: (alert) => {
      const finding = detectInjection(alert);
      return finding ? [finding] : [];
    },
  };
}
