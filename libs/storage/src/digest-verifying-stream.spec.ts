import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { verifyDigest } from './digest-verifying-stream';
import { ArtifactIntegrityError } from './errors';

const bytes = Buffer.from('checkpoint bytes');
const expected = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('verifyDigest', () => {
  it('passes matching bytes through unchanged', async () => {
    expect(await drain(verifyDigest(Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]), 'k', expected))).toEqual(bytes);
  });

  it('fails at the end when the bytes differ from the record', async () => {
    const altered = Buffer.from(bytes);
    altered[0] ^= 1;
    await expect(drain(verifyDigest(Readable.from([altered]), 'k', expected))).rejects.toThrow(ArtifactIntegrityError);
    await expect(drain(verifyDigest(Readable.from([bytes.subarray(1)]), 'k', expected))).rejects.toThrow(/bytes/);
  });

  it('forwards errors of the source', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(drain(verifyDigest(failing, 'k', expected))).rejects.toThrow('connection reset');
  });
});
