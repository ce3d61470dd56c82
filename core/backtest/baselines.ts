/**
 * What a SOAR suppression list does: close an alert once at least three earlier labelled alerts
 * of the same rule (or rule and host) arrived and most were not attacks.
 */
export class BaselineMemory {
  private readonly counts = new Map<string, { malicious: number; total: number }>();

  learn(ruleName: string, hostKey: string | undefined, isMalicious: boolean): void {
    this.bump(ruleName.toLowerCase(), isMalicious);
    if (hostKey) this.bump(`${ruleName.toLowerCase()}\u0000${hostKey}`, isMalicious);
  }

  shouldClose(ruleName: string, hostKey: string | undefined): boolean {
    const tally = this.tally(ruleName, hostKey);
    return tally !== undefined && tally.total >= 3 && tally.malicious * 2 < tally.total;
  }

  /** The observed attack rate, as the baseline's "probability" (0.5 with no history). */
  rate(ruleName: string, hostKey: string | undefined): number {
    const tally = this.tally(ruleName, hostKey);
    return tally && tally.total > 0 ? tally.malicious / tally.total : 0.5;
  }

  private tally(ruleName: string, hostKey: string | undefined): { malicious: number; total: number } | undefined {
    const rule = ruleName.toLowerCase();
    return this.counts.get(hostKey === undefined ? rule : `${rule}\u0000${hostKey}`);
  }

  private bump(key: string, isMalicious: boolean): void {
    const tally = this.counts.get(key) ?? { malicious: 0, total: 0 };
    tally.total += 1;
    if (isMalicious) tally.malicious += 1;
    this.counts.set(key, tally);
  }
}
