/**
 * How every list command prints (token list, suppress list, audit, dead-letters): with --json one
 * JSON array (`[]` when empty) for scripts and SOAR steps; otherwise one line per item, or a single
 * line saying there are none, so an empty answer is never silent.
 */
export function printList<T>(items: readonly T[], options: { json: boolean | undefined; none: string; header?: string; line: (item: T) => string; toJson?: (item: T) => unknown }): void {
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        items.map((item) => (options.toJson ? options.toJson(item) : item)),
        null,
        2,
      )}\n`,
    );
    return;
  }
  if (items.length === 0) {
    process.stdout.write(`${options.none}\n`);
    return;
  }
  if (options.header) process.stdout.write(`${options.header}\n`);
  for (const item of items) process.stdout.write(`${options.line(item)}\n`);
}
