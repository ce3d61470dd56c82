import type { Alert } from './alert.js';
import type { Disposition } from './disposition.js';
import type { TriageResult } from './result.js';

export interface PluginCapabilities {
  /** Can pull new alerts with a checkpoint. */
  pull: boolean;
  /** Can write a verdict back to the console. */
  deliver: boolean;
  /** Can read analyst dispositions back as feedback. */
  dispositions: boolean;
  /** Can run a read-only search for the reasoning stage. */
  search: boolean;
}

export interface PullPage {
  /** Native payloads, normalized later by `normalizeAlert` so a bad one dead-letters alone. */
  alerts: unknown[];
  checkpoint: string;
}

/** A rendered write-back: the native payload plus the key that makes a retry a no-op. */
export interface RenderedOutput {
  idempotencyKey: string;
  payload: unknown;
}

/**
 * What every platform add-on implements. normalize and render are pure; the transport members
 * exist where the platform has them and are the only ones that do I/O.
 */
export interface PlatformPluginV1 {
  readonly specificationVersion: 'v1';
  readonly platform: string;
  readonly capabilities: PluginCapabilities;
  /** True when the payload looks like this platform's native alert (used by auto-detection). */
  detect(native: unknown): boolean;
  /** Native payload to Alert. Throws InvalidAlertError naming the field, nothing else. */
  normalizeAlert(native: unknown): Alert;
  renderResult(result: TriageResult): RenderedOutput;
  pullAlerts?(checkpoint: string | undefined): Promise<PullPage>;
  deliverResult?(output: RenderedOutput, result: TriageResult): Promise<void>;
  readDispositions?(since: string): Promise<Disposition[]>;
}
export type PlatformPlugin = PlatformPluginV1;
