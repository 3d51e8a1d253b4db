import { DatasetError } from '../errors/dataset-error';

export type LineEvent = { text: string; line: number } | { error: DatasetError };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits bytes into lines without ever holding more than one capped line: an over-long line is reported
 * and skipped to its end, so one bad line costs one error, not the whole file or the process's memory.
 * Lines are decoded strictly; invalid UTF-8 is an error, not silently replaced characters in training data.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, file: string, maxLineBytes: number): AsyncGenerator<LineEvent> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let length = 0;
  let overflow = false;
  let line = 1;

  const finish = (): LineEvent | undefined => {
    const current = line;
    line += 1;
    if (overflow) {
      overflow = false;
      parts = [];
      length = 0;
      return { error: new DatasetError({ code: 'line_too_long', file, line: current, path: '', expected: `a line of at most ${maxLineBytes} bytes` }) };
    }
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    try {
      const text = decoder.decode(bytes);
      // Editors on Windows start UTF-8 files with a byte-order mark; it is not part of the first record.
      return { text: current === 1 && text.startsWith('\ufeff') ? text.slice(1) : text, line: current };
    } catch {
      return { error: new DatasetError({ code: 'invalid_encoding', file, line: current, path: '', expected: 'UTF-8 text' }) };
    }
  };

  for await (const chunk of chunks) {
    let start = 0;
    while (start <= chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      const stop = end === -1 ? chunk.length : end;
      if (!overflow) {
        if (length + (stop - start) > maxLineBytes) {
          overflow = true;
          parts = [];
          length = 0;
        } else if (stop > start) {
          parts.push(chunk.subarray(start, stop));
          length += stop - start;
        }
      }
      if (end === -1) break;
      const event = finish();
      if (event) yield event;
      start = end + 1;
    }
  }
  if (length > 0 || overflow) {
    const event = finish();
    if (event) yield event;
  }
}
