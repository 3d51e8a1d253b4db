import { Readable } from 'node:stream';
import type { ArtifactBody } from './artifact-store';

/**
 * The body of a put() as Buffers, one at a time. Streams are read with `destroyOnReturn: false`
 * because the caller owns the stream: an HTTP handler that gets ArtifactExistsError still needs its
 * request socket to send the 409.
 */
export async function* bodyChunks(body: ArtifactBody): AsyncGenerator<Buffer> {
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8');
    return;
  }
  if (Buffer.isBuffer(body)) {
    yield body;
    return;
  }
  if (!(body instanceof Readable)) throw new TypeError('artifact body must be a Readable, a Buffer or a string');
  for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<unknown>) {
    if (Buffer.isBuffer(chunk)) yield chunk;
    // A stream with setEncoding() hands out decoded text; encoding it back stores the original bytes.
    else if (typeof chunk === 'string') yield Buffer.from(chunk, body.readableEncoding ?? 'utf8');
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError('artifact body streams must produce bytes or strings, not objects');
  }
}
