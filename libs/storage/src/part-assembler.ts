/**
 * Cuts a stream of arbitrary chunks into multipart-upload parts of exactly `partSize` bytes. Part
 * buffers are recycled through release(), so an upload of any size holds at most a few parts in
 * memory and the process's resident size stays flat instead of waiting for the GC to notice.
 */
export class PartAssembler {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly spare: Buffer[] = [];

  constructor(readonly partSize: number) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }

  /**
   * A full part, once more than a part's worth is pending. Strictly more, so that a body of exactly
   * one part is still sent with a single PUT, and the last part of a multipart upload is never empty.
   */
  takeFullPart(): Buffer | undefined {
    if (this.pendingBytes <= this.partSize) return undefined;
    const part = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.partSize);
    let filled = 0;
    while (filled < this.partSize) {
      const head = this.pending[0];
      const take = Math.min(head.length, this.partSize - filled);
      head.copy(part, filled, 0, take);
      filled += take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingBytes -= this.partSize;
    return part;
  }

  /** Everything still pending, at most one part's worth; the stream has ended. */
  takeRest(): Buffer {
    const rest = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return rest;
  }

  /** Hands back a part returned by takeFullPart() once its upload no longer needs it. */
  release(part: Buffer): void {
    if (part.length === this.partSize) this.spare.push(part);
  }
}
