import { sseData } from './sse';

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(stream)) out.push(data);
  return out;
}

describe('sseData', () => {
  it('yields each data payload, however the bytes were cut, and stops at [DONE]', async () => {
    const stream = streamOf('data: {"a":', '1}\n\nda', 'ta: {"b":2}\n\n', 'data: [DONE]\n\n', 'data: {"after":true}\n\n');
    expect(await collect(stream)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('joins multi-line data, skips comments and other fields, reads CRLF line ends', async () => {
    const stream = streamOf(': keep-alive\n\n', 'event: x\r\ndata: one\r\ndata: two\r\n\r\n', 'id: 3\ndata:three\n\n');
    expect(await collect(stream)).toEqual(['one\ntwo', 'three']);
  });

  it('cuts a multi-byte character across chunks correctly', async () => {
    const bytes = new TextEncoder().encode('data: "é"\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 8));
        controller.enqueue(bytes.slice(8));
        controller.close();
      },
    });
    expect(await collect(stream)).toEqual(['"é"']);
  });
});
