/**
 * Server-sent events' `data:` payloads from a fetch body, as the gateway sends them (`data: <json>\n\n`, ending with
 * `data: [DONE]`). The browser's EventSource cannot send an Authorization header, so the dashboard reads the stream
 * itself. Multi-line data fields are joined with newlines, as the SSE specification says.
 */
export async function* sseData(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const abort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', abort);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
        if (data.length === 0) continue;
        const payload = data.join('\n');
        if (payload === '[DONE]') return;
        yield payload;
      }
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    // A consumer that stopped early (a page left) closes the connection rather than leave it open.
    void reader.cancel().catch(() => undefined);
  }
}
