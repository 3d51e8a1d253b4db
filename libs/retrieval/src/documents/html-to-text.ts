import { decodeHtmlEntities } from './html-entities';

/**
 * Elements whose content is never prose: dropped with everything inside. The HTML parsing rules end a
 * script or style element at the first `</script` / `</style` whatever precedes it, which the lazy match
 * reproduces; an element that is never closed runs to the end of the document, as a browser reads it.
 */
const DROPPED_ELEMENTS = ['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'head'];

/** Elements that start a new line of text; inline elements (a, b, span, ...) run on within the line. */
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset', 'figcaption',
  'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'html', 'li', 'main', 'nav', 'ol', 'p', 'pre',
  'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'title', 'tr', 'ul',
]);

/** A start or end tag, attribute values quoted with `"` or `'` allowed to contain `>`. */
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g;

/**
 * HTML to the text a reader sees. No HTML parser is among the project's dependencies (only `sax`, an XML
 * parser pulled in by another package, which is neither a direct dependency nor made for real-world HTML),
 * so this is a deliberately small converter for indexing, not a DOM: it drops comments, the doctype and
 * non-prose elements (script, style, head, svg, ...) with their content, turns block elements into line
 * breaks, removes the remaining tags, then decodes character references. Decoding comes last so that an
 * escaped `&lt;script&gt;` in the text stays text. A `<` that starts no tag is kept as text. The title is
 * kept as the first line (it names the page, which helps ranking) although the head is dropped.
 */
export function htmlToText(html: string): string {
  const title = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1];
  let text = html.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ').replace(/<!\[CDATA\[[\s\S]*?(?:\]\]>|$)/g, ' ').replace(/<![^>]*>/g, ' ');
  for (const element of DROPPED_ELEMENTS) {
    text = text.replace(new RegExp(`<${element}\\b(?:[^>"']|"[^"]*"|'[^']*')*>[\\s\\S]*?(?:</${element}(?:[\\s/][^>]*)?>|$)`, 'gi'), '\n');
  }
  text = text.replace(TAG, (_tag, _slash: string, name: string) => (BLOCK_ELEMENTS.has(name.toLowerCase()) ? '\n' : ''));
  const body = decodeHtmlEntities(text);
  return title === undefined ? body : `${decodeHtmlEntities(title.replace(TAG, ''))}\n\n${body}`;
}
