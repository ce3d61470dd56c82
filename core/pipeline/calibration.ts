import { z } from 'zod';
import { clampProbability, logit, sigmoid } from './log-odds.js';
import type { PersistentState, StateDelta, StateRow } from './triage-state.js';

export const CalibrationConfigSchema = z
  .object({
    /**
     * `isotonic`: a monotone map learned from analyst dispositions over score bins (default);
     * `platt`: a logistic map (two parameters); `none`: the raw score is the probability.
     */
    method: z.enum(['isotonic', 'platt', 'none']).default('isotonic'),
    /** Dispositions needed (with at least `minPerClass` of each kind) before the learned map applies. */
    minSamples: z.number().int().positive().default(50),
    minPerClass: z.number().int().positive().default(10),
    /** Pseudo-count pulling the map toward the identity: few dispositions move it little. */
    priorStrength: z.number().nonnegative().default(50),
    /** Most recent dispositions the map is fitted on (bounded state). */
    maxSamples: z.number().int().positive().default(5_000),
  })
  .strict();
export type CalibrationConfig = z.infer<typeof CalibrationConfigSchema>;

/** Which calibration produced a probability, as `explain` shows it. */
export interface CalibrationInfo {
  method: 'none' | 'prior' | 'platt' | 'isotonic';
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

/** Score bins of the isotonic map (equal width in probability). */
const BINS = 40;

/**
 * Isotonic calibration learned from the deployment's own dispositions: the observed attack rate in
 * each score bin, smoothed toward the bin's own score by `priorStrength` pseudo-dispositions and made
 * monotone by pool-adjacent-violators, then interpolated. Its state is the bin counts (bounded: when
 * they pass `maxSamples` they are halved, so old dispositions fade). A function of the dispositions
 * only, refitted at every one, so a restart or another process reproduces it exactly.
 */
export class IsotonicCalibrator {
  private positives = new Array<number>(BINS).fill(0);
  private totals = new Array<number>(BINS).fill(0);
  private learned = 0;
  private classCounts = { malicious: 0, benign: 0 };
  private map: number[] | undefined;
  private isDirty = false;

  constructor(private readonly config: CalibrationConfig) {}

  learn(rawProbability: number, isMalicious: boolean): void {
    const bin = binOf(rawProbability);
    this.totals[bin]! += 1;
    if (isMalicious) this.positives[bin]! += 1;
    this.learned += 1;
    if (isMalicious) this.classCounts.malicious += 1;
    else this.classCounts.benign += 1;
    let total = 0;
    for (const count of this.totals) total += count;
    if (total > this.config.maxSamples) {
      for (let index = 0; index < BINS; index += 1) {
        this.totals[index]! /= 2;
        this.positives[index]! /= 2;
      }
    }
    this.isDirty = true;
    this.map = this.learned >= this.config.minSamples && this.classCounts.malicious >= this.config.minPerClass && this.classCounts.benign >= this.config.minPerClass ? this.fit() : undefined;
  }

  apply(rawProbability: number): { probability: number; info: CalibrationInfo } {
    const base = { samples: this.learned, rawProbability, slope: 1, intercept: 0 };
    if (!this.map) return { probability: rawProbability, info: { ...base, method: 'prior' } };
    // Linear between bin centres; the ends hold the first and last bins' values.
    const position = rawProbability * BINS - 0.5;
    const lower = Math.max(0, Math.min(BINS - 1, Math.floor(position)));
    const upper = Math.min(BINS - 1, lower + 1);
    const weight = Math.max(0, Math.min(1, position - lower));
    const probability = this.map[lower]! * (1 - weight) + this.map[upper]! * weight;
    return { probability: clampProbability(probability, 1e-4), info: { ...base, method: 'isotonic' } };
  }

  private fit(): number[] {
    const strength = this.config.priorStrength / BINS;
    // Smoothed rate per bin, weighted by its (pseudo-)count; then pool adjacent violators.
    const blocks: Array<{ value: number; weight: number; size: number }> = [];
    for (let index = 0; index < BINS; index += 1) {
      const centre = (index + 0.5) / BINS;
      const weight = this.totals[index]! + strength;
      blocks.push({ value: (this.positives[index]! + strength * centre) / weight, weight, size: 1 });
      while (blocks.length > 1 && blocks[blocks.length - 2]!.value > blocks[blocks.length - 1]!.value) {
        const right = blocks.pop()!;
        const left = blocks.pop()!;
        const weightSum = left.weight + right.weight;
        blocks.push({ value: (left.value * left.weight + right.value * right.weight) / weightSum, weight: weightSum, size: left.size + right.size });
      }
    }
    const map: number[] = [];
    for (const block of blocks) for (let index = 0; index < block.size; index += 1) map.push(block.value);
    return map;
  }

  readonly state: PersistentState = {
    parts: ['calibration'],
    load: (rows: readonly StateRow[]) => {
      const row = rows.find((item) => item.part === 'calibration' && item.key === 'isotonic');
      if (!row) return;
      const body = JSON.parse(row.body) as { p: number[]; t: number[]; n: number; m: number; b: number };
      this.positives = body.p;
      this.totals = body.t;
      this.learned = body.n;
      this.classCounts = { malicious: body.m, benign: body.b };
      this.map = this.learned >= this.config.minSamples && body.m >= this.config.minPerClass && body.b >= this.config.minPerClass ? this.fit() : undefined;
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
    return { part: 'calibration', key: 'isotonic', body: JSON.stringify({ p: this.positives, t: this.totals, n: this.learned, m: this.classCounts.malicious, b: this.classCounts.benign }) };
  }
}

function binOf(probability: number): number {
  return Math.max(0, Math.min(BINS - 1, Math.floor(probability * BINS)));
}

/** The calibrator the config asks for (`none` is an identity that still records its method). */
export function createCalibrator(config: CalibrationConfig): { learn(raw: number, isMalicious: boolean): void; apply(raw: number): { probability: number; info: CalibrationInfo }; state: PersistentState } {
  if (config.method === 'isotonic') return new IsotonicCalibrator(config);
  return new PlattCalibrator(config);
}
