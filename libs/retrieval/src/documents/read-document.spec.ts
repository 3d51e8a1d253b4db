import { readDocument, sniffFormat } from './read-document';

const read = (text: string, extra: { format?: 'text' | 'markdown' | 'html' | 'jsonl'; filename?: string; source?: string } = {}) =>
  readDocument({ source: extra.source ?? 'doc', bytes: Buffer.from(text, 'utf8'), format: extra.format, filename: extra.filename });

function textOf(result: ReturnType<typeof readDocument>): string {
  if (!result.ok) throw new Error(`expected a document, got ${result.errors.map((e) => e.message).join('; ')}`);
  return result.document.sections.map((s) => s.text).join('\n---\n');
}

describe('readDocument', () => {
  it('reads plain text with CRLF line endings, a BOM and ragged spacing as tidy text', () => {
    expect(textOf(read('\uFEFFFirst   line\r\n\r\n\r\n\r\n\tSecond line  \r\n', { format: 'text' }))).toBe('First line\n\nSecond line');
  });

  it('turns HTML into its visible text: no scripts, styles, comments or head, block breaks kept, entities decoded', () => {
    const html = `<!DOCTYPE html><html><head><title>Refund &amp; returns</title><style>p { color: red }</style>
      <script>var x = "</p><p>not text";</script></head>
      <body><!-- hidden note --><h1>Refunds</h1><p class="a>b">Items can be returned within <b>30&nbsp;days</b>.</p>
      <ul><li>Keep the receipt</li><li>Use the &#8220;returns&#x201D; form</li></ul>
      <p>Escaped: &lt;script&gt;alert(1)&lt;/script&gt; and 3 &lt; 4</p><noscript>enable js</noscript><script src="x.js"></script></body></html>`;
    const text = textOf(read(html, { filename: 'refunds.html' }));
    expect(text).toBe(
      'Refund & returns\n\nRefunds\n\nItems can be returned within 30 days.\n\nKeep the receipt\n\nUse the “returns” form\n\nEscaped: <script>alert(1)</script> and 3 < 4',
    );
    expect(text).not.toMatch(/color|var x|hidden note|enable js/);
  });

  it('drops an unclosed script to the end of the document, as a browser would', () => {
    expect(textOf(read('<p>kept</p><script>let secret = 1; <p>gone', { format: 'html' }))).toBe('kept');
  });

  it('turns Markdown into prose: headings, emphasis, links, lists and tables lose their syntax, fenced code stays', () => {
    const markdown = [
      '# Shipping *policy*',
      '',
      'We ship **worldwide** via [DHL](https://dhl.com) and `UPS`.',
      '',
      '- [ ] one item',
      '1. second item',
      '> quoted _note_',
      '',
      '| Zone | Days |',
      '|------|:----:|',
      '| EU   | 3    |',
      '',
      '```js',
      'const x = a * b * c;',
      '```',
      '---',
      '![map](map.png)',
      '[ref]: https://example.com',
    ].join('\n');
    expect(textOf(read(markdown, { filename: 'ship.md' }))).toBe(
      'Shipping policy\n\nWe ship worldwide via DHL and UPS.\n\none item\nsecond item\nquoted note\n\nZone | Days\nEU | 3\n\nconst x = a * b * c;\n\nmap',
    );
  });

  it('keeps what only looks like markup: a < that opens no tag, snake_case, a * b, and text next to unterminated markup', () => {
    // `a<b` would open a tag, as in a browser; `3<4` and `c < d` cannot.
    expect(textOf(read('<p>if 3<4 and c < d then snake_case * 2</p><!-- open comment', { format: 'html' }))).toBe('if 3<4 and c < d then snake_case * 2');
    expect(textOf(read('<p>kept</p><a href="x', { format: 'html' }))).toBe('kept');
    expect(textOf(read('Use snake_case and a * b, not *this*; see [docs]([x](y)', { format: 'markdown' }))).toBe('Use snake_case and a * b, not this; see [docs](x');
  });

  it('reads JSONL records from `text`, else `content`, one section per line with its line number', () => {
    const result = read('{"text":"alpha beta"}\n\n{"content":"gamma","id":3}\n', { format: 'jsonl' });
    expect(result).toEqual({
      ok: true,
      document: { source: 'doc', format: 'jsonl', sections: [{ text: 'alpha beta', line: 1 }, { text: 'gamma', line: 3 }] },
    });
  });

  it('refuses a JSONL document with errors that name the line and the field', () => {
    const result = read(['{"text":"fine"}', '{"text": 42}', 'not json', '{"title":"no body"}', '["array"]', '{"content":"  "}'].join('\n'), { filename: 'kb.jsonl', source: 'file-kb' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.toJSON())).toEqual([
      { code: 'invalid_record', source: 'file-kb', line: 2, field: 'text', expected: 'a non-empty string', received: 'number' },
      expect.objectContaining({ code: 'invalid_json', source: 'file-kb', line: 3, field: '', expected: 'one JSON object per line' }),
      { code: 'invalid_record', source: 'file-kb', line: 4, field: 'text', expected: 'a string field `text` or `content`', received: 'fields title' },
      { code: 'invalid_record', source: 'file-kb', line: 5, field: '', expected: 'a JSON object with a string field `text` or `content`', received: 'an array' },
      { code: 'invalid_record', source: 'file-kb', line: 6, field: 'content', expected: 'a non-empty string', received: 'a string of 2 characters' },
    ]);
    expect(result.errors[0].message).toBe('file-kb:2 (text): expected a non-empty string, received number');
  });

  it('refuses binary, non-UTF-8 and empty documents with a reason', () => {
    const binary = readDocument({ source: 'b', bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01]) });
    const latin1 = readDocument({ source: 'l', bytes: Buffer.from([0x63, 0x61, 0x66, 0xe9]) });
    const empty = read('<html><script>only()</script></html>', { source: 'e' });
    expect([binary, latin1, empty].map((r) => (r.ok ? 'ok' : r.errors[0].details.code))).toEqual(['not_text', 'not_text', 'empty']);
  });

  it('takes the format from the file name, else from the content', () => {
    expect(read('# Title', { filename: 'notes.txt' }).ok && textOf(read('# Title', { filename: 'notes.txt' }))).toBe('# Title');
    expect(sniffFormat('  <!doctype html><p>x</p>')).toBe('html');
    expect(sniffFormat('{"text":"a"}\n{"text":"b"}')).toBe('jsonl');
    expect(sniffFormat('Intro\n## Section\nbody')).toBe('markdown');
    expect(sniffFormat('Just words, and a < b.')).toBe('text');
  });
});
