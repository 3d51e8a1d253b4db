import { JsonlSniffer, SNIFF_BYTES } from './jsonl-sniffer';

function verdictOf(...chunks: string[]) {
  const sniffer = new JsonlSniffer();
  for (const chunk of chunks) sniffer.observe(Buffer.from(chunk));
  return sniffer.verdict();
}

describe('JsonlSniffer', () => {
  it('accepts JSON objects one per line, split anywhere across chunks, with CRLF, a BOM and blank lines', () => {
    expect(verdictOf('\uFEFF{"messages":', '[]}\r\n\n{"a":1}')).toEqual({ ok: true });
  });

  it('names the first line that is not JSON, or not an object', () => {
    expect(verdictOf('{"a":1}\n{"a":\n')).toMatchObject({ ok: false, line: 2, reason: expect.stringMatching(/not valid JSON/) });
    expect(verdictOf('{"a":1}\n\n[1,2]\n')).toEqual({ ok: false, line: 3, reason: 'is not a JSON object' });
  });

  it('refuses an empty file', () => {
    expect(verdictOf()).toMatchObject({ ok: false, reason: 'the file is empty' });
    expect(verdictOf('\n\n')).toMatchObject({ ok: false, reason: 'the file has no lines' });
  });

  it('judges only the complete lines of the head of a long file and keeps no more than the head', () => {
    const line = `${JSON.stringify({ text: 'x'.repeat(1000) })}\n`;
    const sniffer = new JsonlSniffer();
    for (let i = 0; i < 1000; i++) sniffer.observe(Buffer.from(line));
    expect(sniffer.verdict()).toEqual({ ok: true });
    expect((sniffer as unknown as { headBytes: number }).headBytes).toBe(SNIFF_BYTES);
  });

  it('gives the benefit of the doubt to a first line longer than the head', () => {
    expect(verdictOf(`{"text":"${'x'.repeat(SNIFF_BYTES)}"}\n`)).toEqual({ ok: true });
  });
});
