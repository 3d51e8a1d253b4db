import { decodeHtmlEntities } from './html-entities';

/**
 * Elements whose content is never prose: dropped with everything inside. The HTML parsing rules end a
 * script or style element at the first `</script` / `</style` whatever precedes it, which the search for
 * the end tag reproduces; an element that is never closed runs to the end of the document, as a browser
 * reads it.
 */
const DROPPED_ELEMENTS = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas']);

/** Elements that start a new line of text; inline elements (a, b, span, ...) run on within the line. */
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset', 'figcaption',
  'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'html', 'li', 'main', 'nav', 'ol', 'p', 'pre',
  'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'title', 'tr', 'ul',
]);

const TAG_NAME = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)/y;

/** Index of the `>` that ends a tag whose attributes start at `from`, skipping quoted values; -1 if the document ends first. */
function tagEnd(html: string, from: number): number {
  for (let i = from; i < html.length; i += 1) {
    const c = html.charCodeAt(i);
    if (c === 62 /* > */) return i;
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const close = html.indexOf(html[i], i + 1);
      if (close < 0) return -1;
      i = close;
    }
  }
  return -1;
}

/** Where the end tag `</name ...>` at or after `from` starts and where it ends; both the document's length if there is none. */
function findEndTag(html: string, name: string, from: number): { start: number; past: number } {
  const end = new RegExp(`</${name}(?=[\\s/>])`, 'gi');
  end.lastIndex = from;
  const found = end.exec(html);
  if (!found) return { start: html.length, past: html.length };
  const close = html.indexOf('>', found.index);
  return { start: found.index, past: close < 0 ? html.length : close + 1 };
}

/**
 * HTML to the text a reader sees. No HTML parser is among the project's dependencies (only `sax`, an XML
 * parser pulled in by another package, which is neither a direct dependency nor made for real-world HTML),
 * so this is a deliberately small converter for indexing, not a DOM: one pass over the document that drops
 * comments, the doctype and non-prose elements (script, style, svg, ...) with their content, turns
 * block elements into line breaks and removes the remaining tags; then character references are decoded.
 * Decoding comes last so that an escaped `&lt;script&gt;` in the text stays text. A `<` that starts no tag
 * is kept as text. The title becomes the first line (it names the page, which helps ranking). Every step
 * moves forward through the document, so the time is linear in its size whatever the markup (regular
 * expressions over tags go quadratic on inputs like `<a<a<a...`). `<pre>` whitespace is not preserved.
 */
export function htmlToText(html: string): string {
  const out: string[] = [];
  let title: string | undefined;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      out.push(' ');
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      // Doctype, CDATA, processing instructions: markup, not prose.
      const end = html.startsWith('<![CDATA[', lt) ? html.indexOf(']]>', lt) : html.indexOf('>', lt);
      i = end < 0 ? html.length : end + (html.startsWith('<![CDATA[', lt) ? 3 : 1);
      out.push(' ');
      continue;
    }
    TAG_NAME.lastIndex = lt;
    const tag = TAG_NAME.exec(html);
    if (!tag) {
      out.push('<');
      i = lt + 1;
      continue;
    }
    const end = tagEnd(html, TAG_NAME.lastIndex);
    if (end < 0) break; // a tag the document ends inside: dropped, as a browser drops it
    const closing = tag[1] === '/';
    const name = tag[2].toLowerCase();
    i = end + 1;
    if (!closing && name === 'title') {
      // The title names the page; it goes first, not where the head happens to be.
      const endTag = findEndTag(html, 'title', i);
      title ??= html.slice(i, endTag.start);
      i = endTag.past;
      continue;
    }
    if (!closing && DROPPED_ELEMENTS.has(name)) {
      i = findEndTag(html, name, i).past;
      out.push('\n');
      continue;
    }
    if (BLOCK_ELEMENTS.has(name)) out.push('\n');
  }
  const body = decodeHtmlEntities(out.join(''));
  // A title holds text only (the parsing rules read it as RCDATA), so its references are all it needs decoding.
  return title === undefined ? body : `${decodeHtmlEntities(title).trim()}\n\n${body}`;
}
