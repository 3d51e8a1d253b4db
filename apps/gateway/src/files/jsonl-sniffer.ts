/** How much of the start of a file the cheap check looks at. */
export const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 10;

export type JsonlVerdict = { ok: true } | { ok: false; line: number; reason: string };

/**
 * The cheap format check of an upload for fine-tuning: the complete lines among the first 64 KiB
 * (at most 10) must each be a JSON object. Full validation, with every line and field, is datagen's.
 * It keeps at most SNIFF_BYTES, whatever the size of the file.
 */
export class JsonlSniffer {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private totalBytes = 0;

  observe(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    if (this.headBytes >= SNIFF_BYTES) return;
    const kept = chunk.subarray(0, SNIFF_BYTES - this.headBytes);
    this.head.push(kept);
    this.headBytes += kept.length;
  }

  /** Call once the whole file has been seen. */
  verdict(): JsonlVerdict {
    if (this.totalBytes === 0) return { ok: false, line: 1, reason: 'the file is empty' };
    const text = Buffer.concat(this.head).toString('utf8').replace(/^\uFEFF/, '');
    const lines = text.split('\n');
    // The last piece is only a whole line when the file ended inside the sniffed head.
    if (this.totalBytes > this.headBytes) lines.pop();
    let seen = 0;
    for (const [index, raw] of lines.entries()) {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') continue;
      if (++seen > SNIFF_LINES) break;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        return { ok: false, line: index + 1, reason: `is not valid JSON (${(error as Error).message})` };
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return { ok: false, line: index + 1, reason: 'is not a JSON object' };
      }
    }
    if (seen === 0 && this.totalBytes <= this.headBytes) return { ok: false, line: 1, reason: 'the file has no lines' };
    return { ok: true };
  }
}
