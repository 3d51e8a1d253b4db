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

function markdownLine(line: string): string {
  // Link reference definitions (`[id]: https://...`) and thematic breaks carry no prose.
  if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(line) || /^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return '';
  let text = line
    .replace(/^\s{0,3}#{1,6}\s+/, '')
    .replace(/\s+#+\s*$/, '')
    .replace(/^\s*(>\s?)+/, '')
    .replace(/^\s*([-*+]|\d{1,9}[.)])\s+(\[[ xX]\]\s+)?/, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[^\w*])([*_])(?=\S)([^*_]*?\S)\2(?=[^\w*]|$)/g, '$1$3')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/`+([^`]+)`+/g, '$1');
  if (text.includes('|')) text = text.replace(/^\s*\|/, '').replace(/\|\s*$/, '').replace(/\s*\|\s*/g, ' | ');
  if (/<[a-zA-Z/!]/.test(text)) text = htmlToText(text).replace(/\n+/g, ' ');
  return text;
}
