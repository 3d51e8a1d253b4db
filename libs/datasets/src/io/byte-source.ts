import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { DatasetError } from '../errors/dataset-error';

/** What a reader can start from: a path on disk, a Node stream, or any async source of bytes. */
export type ByteSource = string | Readable | AsyncIterable<Uint8Array | string>;

export interface SizedChunk {
  bytes: Buffer;
}

/**
 * Yields the source's bytes and fails with `file_too_large` as soon as the cap is crossed, so a huge upload
 * is refused after reading at most the cap rather than after reading all of it.
 */
export async function* readCappedBytes(source: ByteSource, file: string, maxFileBytes: number): AsyncGenerator<Buffer> {
  const stream: AsyncIterable<Uint8Array | string> = typeof source === 'string' ? createReadStream(source) : source;
  let total = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      total += bytes.length;
      if (total > maxFileBytes) {
        throw new DatasetError({ code: 'file_too_large', file, path: '', expected: `at most ${maxFileBytes} bytes` });
      }
      yield bytes;
    }
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError({ code: 'read_failed', file, path: '', expected: 'a readable file', received: (error as Error).message });
  } finally {
    if (typeof source === 'string') (stream as Readable).destroy();
  }
}

export function sourceName(source: ByteSource, explicit?: string): string {
  if (explicit) return explicit;
  return typeof source === 'string' ? basename(source) : '<stream>';
}
