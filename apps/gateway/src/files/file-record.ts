import { filePurposeSchema, fileIdSchema, type OpenAiFile } from '@tuneforge/contracts';
import { z } from 'zod';

/**
 * What the gateway records about an uploaded file, in the metadata database (`files`, `file-repository.ts`); the
 * bytes are in the tenant's part of the artifact store at `files/<id>/content`. Written after the content: a file
 * without its record does not exist as far as the API is concerned.
 */
export const fileRecordSchema = z.object({
  id: fileIdSchema,
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  filename: z.string(),
  purpose: filePurposeSchema,
  content_type: z.string(),
  created_at: z.number().int(),
  status: z.enum(['uploaded', 'processed', 'error']),
});
export type FileRecord = z.infer<typeof fileRecordSchema>;

export const FILES_PREFIX = 'files/';
export const fileContentKey = (id: string) => `${FILES_PREFIX}${id}/content`;

/** The record as OpenAI's file object. */
export function toOpenAiFile(record: FileRecord): OpenAiFile {
  return {
    id: record.id,
    object: 'file',
    bytes: record.bytes,
    created_at: record.created_at,
    filename: record.filename,
    purpose: record.purpose,
    status: record.status,
    status_details: null,
    expires_at: null,
  };
}
