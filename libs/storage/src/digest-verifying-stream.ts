import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { ContentDigest } from './content-digest';
import { ArtifactIntegrityError } from './errors';

/**
 * Passes `source` through unchanged and, at its end, fails with ArtifactIntegrityError instead of
 * ending cleanly if the bytes were not the expected ones. A reader that consumes the stream to the
 * end therefore never mistakes a damaged file for a good one.
 */
export function verifyDigest(source: Readable, key: string, expected: { size: number; sha256: string }): Readable {
  const digest = new ContentDigest();
  const verifier = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      digest.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (digest.size !== expected.size) {
        callback(new ArtifactIntegrityError(key, `read ${digest.size} bytes, the manifest records ${expected.size}`));
      } else if (digest.sha256() !== expected.sha256) {
        callback(new ArtifactIntegrityError(key, `sha256 is ${digest.sha256()}, the manifest records ${expected.sha256}`));
      } else {
        callback();
      }
    },
  });
  // pipeline() forwards the source's errors to the verifier and destroys the source if the reader gives up.
  return pipeline(source, verifier, () => undefined);
}
