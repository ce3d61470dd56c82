/** Latency percentiles in bounded memory: a log-spaced histogram from 1 µs to ~17 s. */
export class LatencyRecorder {
  private readonly buckets = new Float64Array(256);
  private count = 0;

  record(milliseconds: number): void {
    const micros = Math.max(1, milliseconds * 1000);
    const index = Math.min(255, Math.floor(Math.log2(micros) * 10));
    this.buckets[index]! += 1;
    this.count += 1;
  }

  /** Upper edge of the bucket holding the q-quantile, in milliseconds. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const target = q * this.count;
    let seen = 0;
    for (let index = 0; index < this.buckets.length; index += 1) {
      seen += this.buckets[index]!;
      if (seen >= target) return Math.round((2 ** ((index + 1) / 10) / 1000) * 1000) / 1000;
    }
    return Math.round((2 ** 25.6 / 1000) * 1000) / 1000;
  }
}
