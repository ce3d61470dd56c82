/**
 * How titles are read for technique inference: the same tokens when the generator counts public
 * rule names (scripts/knowledge) and when an alert title is looked up, so the two always agree.
 */

/** Words that carry no technique: function words and the hedges every rule set puts in names. */
const STOP_WORDS = new Set(
  'a an the of on in to by via with from for and or is as at into over through onto using use used via vs per its it this that be been being was were has have had not no potential possible suspicious detected detection detects detect activity attempt attempted attempts alert alerts rule event events'.split(
    ' ',
  ),
);

/** Lower-case word stems of a title (`Dumping LSASS Memory via ProcDump.exe` → dump lsass memory procdump). */
export function titleTokens(title: string): string[] {
  const tokens: string[] = [];
  for (const word of title
    .toLowerCase()
    .replace(/\.(?:exe|dll|sys|ps1)\b/g, '')
    .split(/[^a-z0-9]+/)) {
    if (word.length < 2 || STOP_WORDS.has(word) || /^\d+$/.test(word)) continue;
    tokens.push(stemWord(word));
  }
  return tokens;
}

/** Unigrams and adjacent bigrams: "credential dump" says more than either word. */
export function titleFeatures(tokens: readonly string[]): string[] {
  const features = new Set<string>(tokens);
  for (let index = 1; index < tokens.length; index++) features.add(`${tokens[index - 1]} ${tokens[index]}`);
  return [...features];
}

/** A light suffix stripper (plural, -ing, -ed): enough to join "dumps", "dumping" and "dumped". */
export function stemWord(word: string): string {
  if (word.length > 5 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 6 && word.endsWith('ing')) return undouble(word.slice(0, -3));
  if (word.length > 5 && word.endsWith('ed') && !word.endsWith('eed')) return undouble(word.slice(0, -2));
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1);
  return word;
}

function undouble(stem: string): string {
  return stem.length > 3 && stem.at(-1) === stem.at(-2) && !/[ls]/.test(stem.at(-1) ?? '') ? stem.slice(0, -1) : stem;
}
