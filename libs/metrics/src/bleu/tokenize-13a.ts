import { splitWhitespace } from '../text/python-text';

// sacrebleu's Tokenizer13a (the mteval-v13a.pl tokenization WMT uses) followed by its TokenizerRegexp, rule by
// rule in the same order; JavaScript's global replace has Python re.sub's left-to-right, non-overlapping semantics.
const REGEXP_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // Language-dependent part (Western languages): isolate ASCII symbols { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
  [/([{-~[-` -&(-+:-@/])/gu, ' $1 '],
  // period and comma unless preceded by a digit
  [/([^0-9])([.,])/gu, '$1 $2 '],
  // period and comma unless followed by a digit
  [/([.,])([^0-9])/gu, ' $1 $2'],
  // dash when preceded by a digit
  [/([0-9])(-)/gu, '$1 $2 '],
];

/** sacrebleu's "13a" tokenization: returns the tokens joined by single spaces, like sacrebleu does. */
export function tokenize13a(line: string): string {
  let text = line.split('<skipped>').join('').split('-\n').join('').split('\n').join(' ');
  if (text.includes('&')) {
    text = text.split('&quot;').join('"').split('&amp;').join('&').split('&lt;').join('<').split('&gt;').join('>');
  }
  text = ` ${text} `;
  for (const [pattern, replacement] of REGEXP_RULES) text = text.replace(pattern, replacement);
  return splitWhitespace(text).join(' ');
}

/** sacrebleu's "none" tokenizer: the line as it is. */
export function tokenizeNone(line: string): string {
  return line;
}
