import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const FLUSH_BYTES = 1 << 20;

/**
 * Writes text pieces to `path` so that readers see either the old file or the complete new one: the
 * pieces go to a temporary file in the same directory (same filesystem, so the rename is atomic), which is
 * synced and renamed only after the last piece. If producing a piece throws, the temporary file is removed
 * and nothing appears at `path`.
 */
export async function writeFileAtomically(path: string, pieces: Iterable<string> | AsyncIterable<string>): Promise<{ bytes: number }> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  let bytes = 0;
  try {
    let buffer: string[] = [];
    let buffered = 0;
    for await (const piece of pieces) {
      buffer.push(piece);
      buffered += piece.length;
      if (buffered >= FLUSH_BYTES) {
        bytes += (await handle.write(buffer.join(''))).bytesWritten;
        buffer = [];
        buffered = 0;
      }
    }
    if (buffer.length) bytes += (await handle.write(buffer.join(''))).bytesWritten;
    await handle.sync();
    await handle.close();
    await rename(temp, path);
    return { bytes };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}
