import { htmlToText } from './html-to-text';

/**
 * Markdown to the text a reader sees: the syntax that is only layout (heading marks, emphasis, list and
 * quote markers, fences, link targets, table rules) goes, the words stay. Code inside fences is kept as it
 * is: it is often what a question is about. Inline HTML goes through the HTML converter. Not a CommonMark
 * renderer (none is among the dependencies): what it does not recognise stays as text, which at worst
 * leaves a stray `*` in a passage.
 */
export function markdownToText(markdown: string): string {
  const out: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s{0,3}(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      out.push(line);
      continue;
    }
    // Table delimiter rows (`|---|:---:|`) are layout only; dropped, not left as blank lines.
    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line) && line.includes('|')) continue;
    out.push(markdownLine(line));
  }
  return out.join('\n');
}

/**
 * Inline rules, each written so that a scan never crosses the character that starts another match
 * (link text excludes `[`, targets exclude parentheses and spaces): the time stays linear in the line's
 * length whatever it holds. A Markdown line can be megabytes long, and the obvious lazy patterns
 * (`\*\*(.*?)\*\*`, `\[(.+?)\]\((.*?)\)`) go quadratic on lines like `[a]([a](...` or `**a **a ...`.
 */
function markdownLine(raw: string): string {
  const line = raw.replace(/[ \t]+/g, ' ');
  // Link reference definitions (`[id]: https://...`) and thematic breaks carry no prose.
  if (/^ ?\[[^\[\]\n]+\]: ?\S/.test(line) || /^ ?([-*_])( ?\1){2,} ?$/.test(line)) return '';
  let text = line
    .replace(/^ ?#{1,6} /, '')
    .replace(/ #+ ?$/, '')
    .replace(/^ ?(> ?)+/, '')
    .replace(/^ ?([-*+]|\d{1,9}[.)]) (\[[ xX]\] )?/, '')
    .replace(/!\[([^[\]]*)\]\([^()\s]*(?: "[^"()]*")?\)/g, '$1')
    .replace(/\[([^[\]]+)\]\([^()\s]*(?: "[^"()]*")?\)/g, '$1')
    .replace(/\[([^[\]]+)\]\[[^[\]]*\]/g, '$1')
    .replace(/`+([^`]+)`+/g, '$1')
    // Emphasis and strike-through markers: doubled ones anywhere, single ones at the edge of a word
    // (so `snake_case` and `a * b` keep theirs).
    .replace(/\*\*|__|~~/g, '')
    .replace(/(^|[\s(])[*_](?=[^\s*_])/g, '$1')
    .replace(/([^\s*_])[*_](?=$|[\s.,;:!?)])/g, '$1');
  if (text.includes('|')) text = text.replace(/^ ?\|/, '').replace(/\| ?$/, '').replace(/ ?\| ?/g, ' | ');
  if (/<[a-zA-Z/!]/.test(text)) text = htmlToText(text).replace(/\n+/g, ' ');
  return text;
}
