import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 1024 * 1024;

/**
 * `totalBytes` of incompressible, reproducible bytes, generated as they are read: the AES-CTR
 * keystream of a key derived from `seed`. Tests and benchmarks can move hundreds of megabytes
 * without holding them, and compute the expected sha256 by generating the same bytes again.
 */
export function pseudoRandomStream(totalBytes: number, seed: string): Readable {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK_BYTES);
  let remaining = totalBytes;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (remaining === 0) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK_BYTES, remaining);
      remaining -= length;
      this.push(cipher.update(zeros.subarray(0, length)));
    },
  });
}

export async function sha256OfStream(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}
