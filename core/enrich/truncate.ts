/** `text` cut to at most `max` characters, the last one an ellipsis when it was cut. The one truncation of claims and details. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}
