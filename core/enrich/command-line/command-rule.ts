import type { TechniqueRule } from '../knowledge/technique-inference.js';

/** What command-line knowledge looks like; the rows themselves are data (core/data/knowledge/command-rules.json). */

export interface CommandRule extends TechniqueRule {
  /** Programs (lower-case, no extension) the rule is about; it runs only when one is in the event. Absent = any. */
  readonly bins?: readonly string[];
  /** What running the program alone shows; used only when no other rule about it matched. */
  readonly isFallback?: boolean;
}

export interface ParentChildRule {
  readonly id: string;
  /** Matched against the lower-case parent and child file names. */
  readonly parent: RegExp;
  readonly child: RegExp;
  readonly techniques: readonly string[];
  readonly weight: number;
  readonly claim: string;
}

/** PowerShell hosts: encoded-command decoding only runs when one is in the event. */
export const PS = ['powershell', 'pwsh', 'powershell_ise'];
