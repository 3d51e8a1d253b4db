/**
 * The named character references that occur in ordinary prose. The full HTML table has over 2,000
 * names, almost all mathematical; an unknown name is left as written, which costs a search nothing.
 */
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', mdash: '—', ndash: '–',
  hellip: '…', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', bull: '•', middot: '·', euro: '€',
  pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', deg: '°', times: '×', divide: '÷', plusmn: '±', shy: '', zwj: '\u200d',
  zwnj: '\u200c', eacute: 'é', egrave: 'è', agrave: 'à', aacute: 'á', ouml: 'ö', uuml: 'ü', auml: 'ä', szlig: 'ß', ccedil: 'ç',
};

const MAX_CODE_POINT = 0x10ffff;

function fromCodePoint(code: number): string {
  // NUL, surrogates and values beyond Unicode are replaced, as the HTML parsing rules say.
  if (code === 0 || code > MAX_CODE_POINT || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(code);
}

/** Decodes `&name;`, `&#123;` and `&#x7B;`; anything else that starts with `&` stays as written. */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z][a-zA-Z0-9]{1,31}));/g, (whole, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined) return fromCodePoint(Number.parseInt(dec, 10));
    if (hex !== undefined) return fromCodePoint(Number.parseInt(hex, 16));
    return NAMED[name as string] ?? NAMED[(name as string).toLowerCase()] ?? whole;
  });
}
