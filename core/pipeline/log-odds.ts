/** Log-odds arithmetic shared by the scorer, memory and the LLM score band. */
export const logit = (p: number): number => Math.log(p / (1 - p));
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Keeps a probability inside [epsilon, 1 − epsilon] so its log-odds stay finite. */
export function clampProbability(p: number, epsilon: number): number {
  return Math.min(1 - epsilon, Math.max(epsilon, p));
}
