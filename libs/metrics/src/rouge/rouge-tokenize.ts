import { porterStem } from './porter-stemmer';

// rouge-score's default tokenizer (rouge_score/tokenize.py): lowercase, every run of characters outside [a-z0-9]
// becomes a space, split, optionally Porter-stem tokens longer than 3 characters, keep only [a-z0-9]+ tokens.
// Non-ASCII letters are therefore dropped, exactly as rouge-score drops them.

const NON_ALPHANUMERIC = /[^a-z0-9]+/gu;
const VALID_TOKEN = /^[a-z0-9]+$/u;

/** rouge-score's tokenize(text, stemmer): the tokens ROUGE counts. */
export function rougeTokenize(text: string, useStemmer: boolean): string[] {
  const tokens = text.toLowerCase().replace(NON_ALPHANUMERIC, ' ').split(/\s+/u);
  return tokens.map((token) => (useStemmer && token.length > 3 ? porterStem(token) : token)).filter((token) => VALID_TOKEN.test(token));
}
