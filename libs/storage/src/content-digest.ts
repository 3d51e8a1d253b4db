import { createHash, type Hash } from 'node:crypto';

/** Size and sha256 of a byte stream, accumulated chunk by chunk so the stream is never held whole. */
export class ContentDigest {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private hex: string | undefined;

  update(chunk: Buffer): void {
    if (this.hex !== undefined) throw new Error('ContentDigest.update() called after the digest was finished');
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  /** Finishes the digest; later calls return the same value. */
  sha256(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}
