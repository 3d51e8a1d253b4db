import { splitWhitespace } from '../text/python-text';

// The answer normalisation of the official SQuAD evaluation scripts (v1.1 and v2.0 share it): lowercase, drop ASCII
// punctuation (Python's string.punctuation), drop the articles a/an/the as whole words, collapse whitespace.

const ASCII_PUNCTUATION = new Set(Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'));
// Python's \b is Unicode-aware (a word character is a letter, a digit or '_' in any script); JavaScript's \b is
// ASCII-only even with the u flag, so the boundary is written out with lookarounds.
const ARTICLE = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** SQuAD's normalize_answer. */
export function normalizeAnswer(text: string): string {
  const lowered = text.toLowerCase();
  const withoutPunctuation = Array.from(lowered)
    .filter((ch) => !ASCII_PUNCTUATION.has(ch))
    .join('');
  return splitWhitespace(withoutPunctuation.replace(ARTICLE, ' ')).join(' ');
}

/** SQuAD's get_tokens: the normalised answer split on whitespace ([] for an empty string). */
export function answerTokens(text: string): string[] {
  return text.length === 0 ? [] : splitWhitespace(normalizeAnswer(text));
}
