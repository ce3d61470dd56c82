import { z } from 'zod';
import { clampProbability, logit, sigmoid } from './log-odds.js';
import type { PersistentState, StateDelta, StateRow } from './triage-state.js';

export const CalibrationConfigSchema = z
  .object({
    /** `platt`: learn a per-deployment map from analyst dispositions; `none`: the raw score is the probability. */
    method: z.enum(['platt', 'none']).default('platt'),
    /** Dispositions needed (with at least `minPerClass` of each kind) before the learned map applies. */
    minSamples: z.number().int().positive().default(200),
    minPerClass: z.number().int().positive().default(20),
    /** Pseudo-count pulling the map toward the identity: few dispositions move it little. */
    priorStrength: z.number().nonnegative().default(50),
    /** Most recent dispositions the map is fitted on (bounded state). */
    maxSamples: z.number().int().positive().default(5_000),
  })
  .strict();
export type CalibrationConfig = z.infer<typeof CalibrationConfigSchema>;

/** Which calibration produced a probability, as `explain` shows it. */
export interface CalibrationInfo {
  method: 'none' | 'prior' | 'platt';
  /** Dispositions the map was fitted on. */
  samples: number;
  /** The score before calibration. */
  rawProbability: number;
  slope: number;
  intercept: number;
}

/**
 * Platt scaling learned from the deployment's own dispositions: p = σ(a · s + b) over the raw
 * log-odds s, fitted by regularised Newton steps toward the identity (a = 1, b = 0). Before there are
 * enough dispositions of both kinds the identity applies (the `prior`). The map is refitted on a
 * schedule that depends only on how many dispositions were learned, so a restart or a second
 * process reproduces it exactly; its samples and parameters are persisted.
 */
export class PlattCalibrator {
  private scores: number[] = [];
  private labels: number[] = [];
  private learned = 0;
  private fittedAt = 0;
  private slope = 1;
  private intercept = 0;
  private isFitted = false;
  private isDirty = false;

  constructor(private readonly config: CalibrationConfig) {}

  /** A disposition of an alert whose raw probability was `rawProbability`. */
  learn(rawProbability: number, isMalicious: boolean): void {
    if (this.config.method === 'none') return;
    this.scores.push(logit(clampProbability(rawProbability, 1e-6)));
    this.labels.push(isMalicious ? 1 : 0);
    if (this.scores.length > this.config.maxSamples) {
      this.scores.shift();
      this.labels.shift();
    }
    this.learned += 1;
    this.isDirty = true;
    // Refit after 5 % more dispositions (and at the threshold): cheap, and a function of the count only.
    if (this.learned >= this.config.minSamples && this.learned - this.fittedAt >= Math.max(10, Math.floor(this.fittedAt * 0.05))) this.fit();
  }

  apply(rawProbability: number): { probability: number; info: CalibrationInfo } {
    const base = { samples: this.scores.length, rawProbability, slope: this.slope, intercept: this.intercept };
    if (this.config.method === 'none') return { probability: rawProbability, info: { ...base, method: 'none' } };
    if (!this.isFitted) return { probability: rawProbability, info: { ...base, method: 'prior' } };
    const probability = sigmoid(this.slope * logit(clampProbability(rawProbability, 1e-6)) + this.intercept);
    return { probability, info: { ...base, method: 'platt' } };
  }

  private fit(): void {
    this.fittedAt = this.learned;
    let positives = 0;
    for (const label of this.labels) positives += label;
    const negatives = this.labels.length - positives;
    if (this.labels.length < this.config.minSamples || positives < this.config.minPerClass || negatives < this.config.minPerClass) return;
    // Platt's target smoothing keeps a separable sample from driving the slope to infinity.
    const high = (positives + 1) / (positives + 2);
    const low = 1 / (negatives + 2);
    const lambda = this.config.priorStrength;
    let a = this.slope;
    let b = this.intercept;
    for (let iteration = 0; iteration < 25; iteration += 1) {
      // Gradient and Hessian of the log loss plus λ/2 · ((a − 1)² + b²).
      let ga = lambda * (a - 1);
      let gb = lambda * b;
      let haa = lambda;
      let hab = 0;
      let hbb = lambda;
      for (let index = 0; index < this.scores.length; index += 1) {
        const s = this.scores[index]!;
        const target = this.labels[index] === 1 ? high : low;
        const p = sigmoid(a * s + b);
        const residual = p - target;
        const curvature = Math.max(p * (1 - p), 1e-9);
        ga += residual * s;
        gb += residual;
        haa += curvature * s * s;
        hab += curvature * s;
        hbb += curvature;
      }
      const determinant = haa * hbb - hab * hab;
      if (!(determinant > 1e-12)) break;
      const da = (hbb * ga - hab * gb) / determinant;
      const db = (haa * gb - hab * ga) / determinant;
      a -= da;
      b -= db;
      if (Math.abs(da) < 1e-7 && Math.abs(db) < 1e-7) break;
    }
    // A map that inverts the ranking would be a bug in the data, not a calibration: keep it monotone.
    this.slope = Math.max(0.05, a);
    this.intercept = b;
    this.isFitted = true;
  }

  readonly state: PersistentState = {
    parts: ['calibration'],
    load: (rows: readonly StateRow[]) => {
      const row = rows.find((item) => item.part === 'calibration');
      if (!row) return;
      const body = JSON.parse(row.body) as { s: number[]; y: number[]; n: number; f: number; a: number; b: number; ok: boolean };
      this.scores = body.s;
      this.labels = body.y;
      this.learned = body.n;
      this.fittedAt = body.f;
      this.slope = body.a;
      this.intercept = body.b;
      this.isFitted = body.ok;
      this.isDirty = false;
    },
    drain: (delta: StateDelta) => {
      if (!this.isDirty) return;
      delta.upserts.push(this.row());
      this.isDirty = false;
    },
    snapshot: () => (this.learned > 0 ? [this.row()] : []),
  };

  private row(): StateRow {
    return { part: 'calibration', key: 'platt', body: JSON.stringify({ s: this.scores, y: this.labels, n: this.learned, f: this.fittedAt, a: this.slope, b: this.intercept, ok: this.isFitted }) };
  }
}
