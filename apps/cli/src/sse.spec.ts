import { sseData } from './sse';

async function collect(chunks: string[]): Promise<string[]> {
  const encoder = new TextEncoder();
  async function* source() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const out: string[] = [];
  for await (const data of sseData(source())) out.push(data);
  return out;
}

describe('sseData', () => {
  it('yields each event\'s data, whatever the chunk boundaries', async () => {
    const text = 'data: {"id":"a"}\n\n: keep-alive\n\ndata: {"id":"b"}\r\n\r\ndata: [DONE]\n\n';
    const expected = ['{"id":"a"}', '{"id":"b"}', '[DONE]'];
    expect(await collect([text])).toEqual(expected);
    expect(await collect(text.split(''))).toEqual(expected);
    expect(await collect([text.slice(0, 7), text.slice(7, 30), text.slice(30)])).toEqual(expected);
  });

  it('joins multi-line data and ignores other fields; a last event without a blank line still counts', async () => {
    expect(await collect(['event: x\nid: 1\ndata: one\ndata: two\n\ndata:three'])).toEqual(['one\ntwo', 'three']);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
    async function* source() {
      for (const byte of bytes) yield new Uint8Array([byte]);
    }
    const out: string[] = [];
    for await (const data of sseData(source())) out.push(data);
    expect(out).toEqual(['héllo ✓']);
  });
});
