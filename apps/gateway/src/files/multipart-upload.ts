import type { PutResult } from '@tuneforge/storage';
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { InvalidRequestError, UploadTooLargeError } from '../errors/gateway-errors';
import { JsonlSniffer, type JsonlVerdict } from './jsonl-sniffer';

/** Room for the multipart boundaries, part headers and text fields around the file itself. */
const ENVELOPE_ALLOWANCE_BYTES = 64 * 1024;
const FILE_FIELD = 'file';

export interface ReceivedFile {
  filename: string;
  contentType: string;
  stored: PutResult;
  verdict: JsonlVerdict;
}

export interface ReceivedUpload {
  fields: Record<string, string>;
  file: ReceivedFile;
}

export interface ReceiveOptions {
  maxFileBytes: number;
  /** Streams the file part to its destination; must reject if the stream errors. */
  store: (content: Readable, contentType: string) => Promise<PutResult>;
}

/**
 * Reads a multipart/form-data upload with exactly one file part, streaming the file into the store as
 * it arrives: memory stays bounded whatever the size. An upload over the cap is refused from its
 * Content-Length before anything is read; without one, the file stops being stored when it crosses
 * the cap and the rest of the body is read and dropped, so that the client receives the 413.
 *
 * Rejects only after the store call has settled, so a refused upload leaves nothing being written.
 * The caller deletes what was stored if it refuses the upload for another reason afterwards.
 */
export function receiveMultipartUpload(request: IncomingMessage, options: ReceiveOptions): Promise<ReceivedUpload> {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    return Promise.reject(new InvalidRequestError('Uploads must be sent as multipart/form-data with a file and a purpose.', FILE_FIELD));
  }
  const declaredLength = Number(request.headers['content-length'] ?? NaN);
  if (declaredLength > options.maxFileBytes + ENVELOPE_ALLOWANCE_BYTES) return Promise.reject(new UploadTooLargeError(options.maxFileBytes));

  return new Promise<ReceivedUpload>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: ReceivedFile | undefined;
    let storing: Promise<void> | undefined;
    let failure: Error | undefined;
    let body: Transform | undefined;

    const parser = busboy({
      headers: request.headers,
      // One byte over the cap is how busboy tells us the file is too large.
      limits: { files: 1, fileSize: options.maxFileBytes + 1, fields: 10, fieldSize: 16 * 1024, parts: 11 },
    });

    /**
     * The first failure wins. The rest of the body is read and dropped before the answer goes out:
     * a client still sending when the server answers and closes sees a broken pipe, not the 413.
     */
    const fail = (error: Error) => {
      if (failure) return;
      failure = error;
      request.unpipe(parser);
      request.resume();
      body?.destroy(error);
      const drained = request.complete ? Promise.resolve() : finished(request).catch(() => undefined);
      void Promise.all([storing, drained]).then(() => reject(error));
    };

    parser.on('field', (name, value, info) => {
      if (name === FILE_FIELD) return fail(new InvalidRequestError("'file' must be sent as a file part, with a filename.", FILE_FIELD));
      if (info.valueTruncated) return fail(new InvalidRequestError(`'${name}' is too long.`, name));
      if (name in fields) return fail(new InvalidRequestError(`'${name}' is given more than once.`, name));
      fields[name] = value;
    });

    parser.on('file', (name, stream, info) => {
      if (name !== FILE_FIELD || failure) {
        stream.resume();
        if (name !== FILE_FIELD) fail(new InvalidRequestError(`Unrecognized request argument supplied: ${name}`, name));
        return;
      }
      const sniffer = new JsonlSniffer();
      body = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          sniffer.observe(chunk);
          callback(null, chunk);
        },
      });
      stream.on('limit', () => fail(new UploadTooLargeError(options.maxFileBytes)));
      stream.pipe(body);
      const partType = /^[\w.+-]+\/[\w.+-]+$/.test(info.mimeType) ? info.mimeType : 'application/octet-stream';
      storing = options.store(body, partType).then(
        (stored) => {
          file = { filename: cleanFilename(info.filename), contentType: partType, stored, verdict: sniffer.verdict() };
        },
        (error: Error) => fail(error),
      );
    });

    parser.on('filesLimit', () => fail(new InvalidRequestError('Upload exactly one file per request.', FILE_FIELD)));
    parser.on('fieldsLimit', () => fail(new InvalidRequestError('Too many form fields.', null)));
    parser.on('partsLimit', () => fail(new InvalidRequestError('Too many form parts.', null)));
    parser.on('error', (error: Error) => fail(new InvalidRequestError(`The multipart body could not be read: ${error.message}`, null)));
    parser.on('close', () => {
      void (storing ?? Promise.resolve()).then(() => {
        if (failure) return;
        if (!file) return reject(new InvalidRequestError("Missing required parameter: 'file'.", FILE_FIELD));
        resolve({ fields, file });
      });
    });

    // A client that goes away mid-upload must not leave the store waiting for bytes that never come.
    request.on('close', () => {
      if (!request.complete) fail(new Error('the client closed the connection before the upload was complete'));
    });
    request.pipe(parser);
  });
}

/** The name as the client gave it, without any directory part or control characters. */
function cleanFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return base.slice(0, 255) || 'upload';
}
