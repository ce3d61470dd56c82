import { z } from 'zod';

/**
 * Why evidence pointing away from "malicious" points away: `expected_activity` says the activity
 * is real but sanctioned (a benign positive), `detection_error` says the detection misread the
 * data (a false positive). The decide stage uses it to tell the two apart.
 */
export const BenignReasonSchema = z.enum(['expected_activity', 'detection_error']);
export type BenignReason = z.infer<typeof BenignReasonSchema>;

/**
 * What an evidence item rests on. `alert_text`: text the alert's source controls (titles, command
 * lines, paths, user agents, email headers and bodies, free-text fields), which an attacker can
 * write. `verdict_knowledge`: Verdict's own data (threat intel, inventories). `history`: what this
 * deployment saw and analysts decided before (memory, context, suppressions). Only the last two
 * may carry a move toward closing an alert by the model.
 */
export const EvidenceBasisSchema = z.enum(['alert_text', 'verdict_knowledge', 'history']);
export type EvidenceBasis = z.infer<typeof EvidenceBasisSchema>;

export const EvidenceSchema = z.object({
  id: z.string().min(1),
  /** What was checked: threat_intel, network, domain, command_line, email, inventory, attack, context, memory, suppression, knowledge. */
  kind: z.string().min(1),
  /** One sentence an analyst can check. */
  claim: z.string().min(1),
  /** Signed log-likelihood ratio: positive points to malicious, negative to benign, 0 is context only. */
  weight: z.number().finite(),
  /** The enricher id that produced it. */
  source: z.string().min(1),
  /** Alert field paths, file names or query digests the claim rests on. */
  refs: z.array(z.string()).default([]),
  benignReason: BenignReasonSchema.optional(),
  /** ATT&CK technique ids this evidence indicates (inferred from the event, not the rule). */
  attack: z.array(z.string()).optional(),
  /** Decoded or extracted detail worth showing (a decoded PowerShell command, a matched intel entry). */
  detail: z.string().optional(),
  /** What the claim rests on (see EvidenceBasisSchema); absent in results written before it existed. */
  basis: EvidenceBasisSchema.optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;
export type EvidenceInput = z.input<typeof EvidenceSchema>;
