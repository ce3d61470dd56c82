import { z } from 'zod';
import { clampProbability } from './log-odds.js';
import type { PersistentState, StateDelta, StateRow } from './triage-state.js';

export const CalibrationConfigSchema = z
  .object({
    /** `isotonic`: a monotone map learned from analyst dispositions over score bins; `none`: the raw score is the probability. */
    method: z.enum(['isotonic', 'none']).default('isotonic'),
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
  method: 'none' | 'prior' | 'isotonic';
  /** Dispositions the map was fitted on. */
  samples: number;
  /** The score before calibration. */
  rawProbability: number;
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
    if (this.config.method === 'none') return;
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
    const base = { samples: this.learned, rawProbability };
    if (this.config.method === 'none') return { probability: rawProbability, info: { ...base, method: 'none' } };
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
      // No row: nothing learned yet (a reload replaces whatever this process had learned).
      const body = row
        ? (JSON.parse(row.body) as { p: number[]; t: number[]; n: number; m: number; b: number })
        : { p: new Array<number>(BINS).fill(0), t: new Array<number>(BINS).fill(0), n: 0, m: 0, b: 0 };
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

/** The calibrator the config asks for (`none` learns nothing and passes the score through). */
export function createCalibrator(config: CalibrationConfig): IsotonicCalibrator {
  return new IsotonicCalibrator(config);
}
