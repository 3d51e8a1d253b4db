import busboy from 'busboy';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidRequestError, UploadTooLargeError } from '../errors/gateway-errors';

/** A file name as a model directory has it: no directories, no hidden files. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_FILES = 64;

export interface ReceivedModelUpload {
  fields: Record<string, string>;
  /** The names of the files written into the staging directory, in upload order. */
  files: string[];
}

/**
 * Reads a base model upload (`POST /v1/models`, multipart/form-data): text fields and one or more `file` parts,
 * each streamed to disk in `stagingDir` under the part's file name as it arrives, so memory stays bounded
 * whatever the model's size. Over `maxBytes` in all, or a file name that is not a plain name, or the same name
 * twice, is refused; the caller removes the staging directory whatever the outcome.
 */
export function receiveModelUpload(request: IncomingMessage, stagingDir: string, maxBytes: number): Promise<ReceivedModelUpload> {
  if (!/^multipart\/form-data\s*;/i.test(request.headers['content-type'] ?? ''))
    return Promise.reject(new InvalidRequestError('A model upload must be multipart/form-data: a name and file parts (one .gguf, or a model directory\'s files).', 'file'));
  if (Number(request.headers['content-length'] ?? NaN) > maxBytes + 1024 * 1024) return Promise.reject(new UploadTooLargeError(maxBytes));

  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: string[] = [];
    const writes: Promise<void>[] = [];
    let received = 0;
    let failure: Error | undefined;
    const parser = busboy({ headers: request.headers, limits: { files: MAX_FILES, fields: 10, fieldSize: 4096, parts: MAX_FILES + 10 } });

    const fail = (error: Error) => {
      if (failure) return;
      failure = error;
      request.unpipe(parser);
      request.resume();
      void Promise.allSettled(writes).then(() => reject(error));
    };

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new InvalidRequestError(`'${name}' is too long.`, name));
      if (name in fields) return fail(new InvalidRequestError(`'${name}' is given more than once.`, name));
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const fileName = (info.filename ?? '').split(/[\\/]/).pop() ?? '';
      if (failure) return stream.resume();
      if (name !== 'file') {
        stream.resume();
        return fail(new InvalidRequestError(`Unrecognized request argument supplied: ${name}`, name));
      }
      if (!FILE_NAME.test(fileName)) {
        stream.resume();
        return fail(new InvalidRequestError(`file name ${JSON.stringify(fileName)} is not a plain file name (letters, digits, '.', '_', '-')`, 'file'));
      }
      if (files.includes(fileName)) {
        stream.resume();
        return fail(new InvalidRequestError(`file ${fileName} is uploaded twice`, 'file'));
      }
      files.push(fileName);
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          fail(new UploadTooLargeError(maxBytes));
          stream.destroy();
        }
      });
      writes.push(pipeline(stream, createWriteStream(join(stagingDir, fileName))).catch((error: Error) => fail(error)));
    });
    parser.on('filesLimit', () => fail(new InvalidRequestError(`At most ${MAX_FILES} files per model.`, 'file')));
    parser.on('fieldsLimit', () => fail(new InvalidRequestError('Too many form fields.', null)));
    parser.on('partsLimit', () => fail(new InvalidRequestError('Too many form parts.', null)));
    parser.on('error', (error: Error) => fail(new InvalidRequestError(`The multipart body could not be read: ${error.message}`, null)));
    parser.on('close', () => {
      void Promise.all(writes).then(() => {
        if (failure) return;
        if (files.length === 0) return reject(new InvalidRequestError("Missing required parameter: 'file' (one .gguf file, or a model directory's files).", 'file'));
        resolve({ fields, files });
      });
    });
    request.on('close', () => {
      if (!request.complete) fail(new Error('the client closed the connection before the upload was complete'));
    });
    request.pipe(parser);
  });
}
