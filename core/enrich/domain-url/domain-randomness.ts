/** Measures of how machine-generated (DGA-like) a domain label looks. */

export interface Randomness {
  /** Shannon entropy of the characters, in bits per character. */
  entropy: number;
  longestConsonantRun: number;
  /** Vowels (a e i o u y) over letters. */
  vowelRatio: number;
  digits: number;
  /** Letter↔digit switches. */
  transitions: number;
  /** Share of letter pairs that are two consonants rarely seen together in words (xq, kz, fw…). */
  rareBigramRatio: number;
  /** How many of the randomness tests the label fails (0 = reads like a word). */
  signals: number;
}

const characterCounts = new Int32Array(128);

/** Consonant pairs common in English and European brand names; any other consonant pair is rare. */
const COMMON_CONSONANT_PAIRS =
  'bl br ch ck cl cr ct dr fl fr gh gl gr kn ld lf lk ll lm lp ls lt mb mm mp nc nd ng nk nn ns nt ph pl pr ' +
  'ps pt rb rc rd rf rg rk rl rm rn rp rs rt sc sh sk sl sm sn sp ss st sw th tr ts tt tw wh wn wr ws xt ff ' +
  'gg pp dd bb cc rr zz';
const isRarePair = new Uint8Array(26 * 26);
for (let first = 0; first < 26; first++) {
  for (let second = 0; second < 26; second++) {
    const pair = String.fromCharCode(97 + first, 97 + second);
    const isConsonantPair = !'aeiouy'.includes(pair[0] ?? '') && !'aeiouy'.includes(pair[1] ?? '');
    isRarePair[first * 26 + second] = (isConsonantPair && !COMMON_CONSONANT_PAIRS.includes(pair)) || (first === 16 && second !== 20) ? 1 : 0;
  }
}
const MIN_RANDOM_LABEL_LENGTH = 10;

/**
 * How machine-generated a label looks. Length-aware: below 10 characters nothing is flagged,
 * because short brand names (crwdcntrl, msftncsi) look as random as short DGA output.
 */
export function measureRandomness(label: string): Randomness {
  characterCounts.fill(0);
  let letters = 0;
  let vowels = 0;
  let digits = 0;
  let run = 0;
  let longestConsonantRun = 0;
  let transitions = 0;
  let previousIsDigit: boolean | undefined;
  let counted = 0;
  let letterPairs = 0;
  let rarePairs = 0;
  let previousLetter = -1;
  for (let index = 0; index < label.length; index++) {
    const code = label.charCodeAt(index);
    if (code >= 128 || code === 45) {
      run = 0;
      previousLetter = -1;
      continue;
    }
    characterCounts[code] = (characterCounts[code] ?? 0) + 1;
    counted++;
    const isDigit = code >= 48 && code <= 57;
    if (previousIsDigit !== undefined && previousIsDigit !== isDigit) transitions++;
    previousIsDigit = isDigit;
    if (isDigit) {
      digits++;
      run = 0;
      previousLetter = -1;
      continue;
    }
    letters++;
    if (code >= 97 && code <= 122) {
      if (previousLetter !== -1) {
        letterPairs++;
        rarePairs += isRarePair[previousLetter * 26 + (code - 97)] ?? 0;
      }
      previousLetter = code - 97;
    }
    // a e i o u y
    if (code === 97 || code === 101 || code === 105 || code === 111 || code === 117 || code === 121) {
      vowels++;
      run = 0;
    } else if (++run > longestConsonantRun) {
      longestConsonantRun = run;
    }
  }
  let entropy = 0;
  for (let code = 0; code < 128; code++) {
    const count = characterCounts[code] ?? 0;
    if (count > 0) {
      const share = count / counted;
      entropy -= share * Math.log2(share);
    }
  }
  const vowelRatio = letters === 0 ? 0 : vowels / letters;
  const rareBigramRatio = letterPairs === 0 ? 0 : rarePairs / letterPairs;
  let signals = 0;
  if (counted >= MIN_RANDOM_LABEL_LENGTH) {
    if (longestConsonantRun >= 5) signals++;
    if (vowelRatio < 0.2 && letters >= 6) signals++;
    if (entropy >= 3.5) signals++;
    if (digits >= 3 && transitions >= 4) signals++;
    if (rareBigramRatio >= 0.45 && letterPairs >= 6) signals++;
  }
  return { entropy, longestConsonantRun, vowelRatio, digits, transitions, rareBigramRatio, signals };
}
