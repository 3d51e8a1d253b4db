import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import type { ArtifactBody } from './artifact-store';
import { bodyChunks } from './body-chunks';
import { ContentDigest } from './content-digest';
import { PartAssembler } from './part-assembler';

/** Name of the sha256 record: user metadata (x-amz-meta-tf-sha256) on single PUTs, an object tag on multipart ones. */
export const SHA256_RECORD_NAME = 'tf-sha256';

export interface UploadTarget {
  client: Client;
  bucket: string;
  key: string;
  contentType: string;
}

export interface UploadTuning {
  /** Bytes per multipart part (S3 minimum 5 MiB); also the largest body sent with a single PUT. */
  partSizeBytes: number;
  /** Parts uploaded at once; memory held by one upload is about (concurrency + 1) × partSizeBytes. */
  concurrency: number;
}

export interface UploadedObject {
  size: number;
  sha256: string;
}

/**
 * Streams a body to S3 so that it only ever creates: every write carries `If-None-Match: *`, which
 * MinIO and S3 evaluate under their per-object lock, so of two racing writers exactly one succeeds and
 * the other gets 412 PreconditionFailed (ArtifactExistsError after translation).
 *
 * A body that fits in one part goes up as one PutObject with the header and its sha256 as user
 * metadata. A larger one goes up as a multipart upload whose CompleteMultipartUpload carries the
 * header; nothing is visible at the key until that complete succeeds. minio-js's own putObject is not
 * used for it because it sends no condition on the complete, resumes any unfinished upload of the
 * same key it finds (another writer's, in a race), and sizes parts of unknown-length streams at
 * ~550 MiB held in memory.
 *
 * Object metadata is fixed when a multipart upload starts, before the sha256 is known, so there the
 * sha256 is recorded as an object tag right after the complete; a copy-onto-itself to rewrite the
 * metadata would rewrite the whole object on MinIO.
 */
export async function uploadCreateOnly(target: UploadTarget, body: ArtifactBody, tuning: UploadTuning): Promise<UploadedObject> {
  const digest = new ContentDigest();
  const assembler = new PartAssembler(tuning.partSizeBytes);
  let multipart: MultipartUpload | undefined;
  try {
    for await (const chunk of bodyChunks(body)) {
      digest.update(chunk);
      assembler.push(chunk);
      for (let part = assembler.takeFullPart(); part !== undefined; part = assembler.takeFullPart()) {
        multipart ??= await MultipartUpload.start(target, tuning.concurrency, (done) => assembler.release(done));
        await multipart.addPart(part);
      }
    }
    const sha256 = digest.sha256();
    if (multipart === undefined) {
      await putSingleObject(target, assembler.takeRest(), sha256);
    } else {
      await multipart.addPart(assembler.takeRest());
      await multipart.completeCreateOnly();
      await recordSha256Tag(target, sha256);
    }
    return { size: digest.size, sha256 };
  } catch (error) {
    // Parts of an abandoned upload are invisible but take space until aborted.
    await multipart?.abort().catch(() => undefined);
    throw error;
  }
}

async function putSingleObject(target: UploadTarget, payload: Buffer, sha256: string): Promise<void> {
  await target.client.putObject(target.bucket, target.key, payload, payload.length, {
    'Content-Type': target.contentType,
    'If-None-Match': '*',
    [`x-amz-meta-${SHA256_RECORD_NAME}`]: sha256,
  });
}

/**
 * The object is already complete and immutable when this runs, and the caller gets the sha256 in
 * put()'s result either way; failing the put over a missing tag would turn a successful write into
 * one that cannot be retried (the key is taken). stat() reports the sha256 as absent in that case.
 */
async function recordSha256Tag(target: UploadTarget, sha256: string): Promise<void> {
  await target.client.setObjectTagging(target.bucket, target.key, { [SHA256_RECORD_NAME]: sha256 }).catch(() => undefined);
}

/** One multipart upload with a bounded number of parts in flight. */
class MultipartUpload {
  private readonly etags: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  private constructor(
    private readonly target: UploadTarget,
    private readonly uploadId: string,
    private readonly concurrency: number,
    private readonly onPartSent: (part: Buffer) => void,
  ) {}

  static async start(target: UploadTarget, concurrency: number, onPartSent: (part: Buffer) => void): Promise<MultipartUpload> {
    const uploadId = await target.client.initiateNewMultipartUpload(target.bucket, target.key, { 'Content-Type': target.contentType });
    return new MultipartUpload(target, uploadId, concurrency, onPartSent);
  }

  /** Resolves once the part is on its way and a slot is free, which is what paces reading the body. */
  async addPart(part: Buffer): Promise<void> {
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const partNumber = this.etags.length + 1;
    this.etags.push('');
    const sending: Promise<void> = this.sendPart(partNumber, part)
      .then(
        (etag) => {
          this.etags[partNumber - 1] = etag;
          this.onPartSent(part);
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  async completeCreateOnly(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    const parts = this.etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>"${etag}"</ETag></Part>`);
    const response = await this.target.client.makeRequestAsync(
      {
        method: 'POST',
        bucketName: this.target.bucket,
        objectName: this.target.key,
        query: `uploadId=${encodeURIComponent(this.uploadId)}`,
        headers: { 'Content-Type': 'application/xml', 'If-None-Match': '*' },
      },
      `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</CompleteMultipartUpload>`,
      [200],
    );
    // S3 may answer 200 and report the failure in the body, because it starts replying before the
    // parts are assembled.
    const body = await readText(response);
    if (body.includes('<Error>')) {
      const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? 'InternalError';
      const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? body;
      throw Object.assign(new Error(`CompleteMultipartUpload failed: ${message}`), { code });
    }
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    const response = await this.target.client.makeRequestAsync(
      {
        method: 'DELETE',
        bucketName: this.target.bucket,
        objectName: this.target.key,
        query: `uploadId=${encodeURIComponent(this.uploadId)}`,
      },
      '',
      [204],
    );
    await readText(response);
  }

  private async sendPart(partNumber: number, part: Buffer): Promise<string> {
    const response = await this.target.client.makeRequestAsync(
      {
        method: 'PUT',
        bucketName: this.target.bucket,
        objectName: this.target.key,
        query: `partNumber=${partNumber}&uploadId=${encodeURIComponent(this.uploadId)}`,
      },
      part,
      [200],
    );
    await readText(response);
    const etag = response.headers.etag;
    if (!etag) throw new Error(`UploadPart ${partNumber} of '${this.target.key}' returned no ETag`);
    return etag.replace(/^"|"$/g, '');
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(response, 'end');
  return Buffer.concat(chunks).toString('utf8');
}
