import { z } from 'zod';
import { openAiListSchema } from './list';

/** The purposes a client may upload a file for (OpenAI's `FilePurpose`). */
export const FILE_UPLOAD_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;
export const fileUploadPurposeSchema = z.enum(FILE_UPLOAD_PURPOSES);
export type FileUploadPurpose = z.infer<typeof fileUploadPurposeSchema>;

/** Purposes of files the platform itself writes (results, outputs), listed alongside uploads. */
export const filePurposeSchema = z.enum([...FILE_UPLOAD_PURPOSES, 'assistants_output', 'batch_output', 'fine-tune-results']);
export type FilePurpose = z.infer<typeof filePurposeSchema>;

export const fileIdSchema = z.string().regex(/^file-[A-Za-z0-9]{1,64}$/, 'a file id looks like file-abc123');

/** OpenAI's file object, field for field. */
export const openAiFileSchema = z.object({
  id: fileIdSchema,
  object: z.literal('file'),
  bytes: z.number().int().nonnegative(),
  created_at: z.number().int().describe('Unix time in seconds'),
  filename: z.string(),
  purpose: filePurposeSchema,
  status: z.enum(['uploaded', 'processed', 'error']),
  status_details: z.string().nullable().optional(),
  expires_at: z.number().int().nullable().optional(),
});
export type OpenAiFile = z.infer<typeof openAiFileSchema>;

export const openAiFileListSchema = openAiListSchema(openAiFileSchema);

export const openAiFileDeletedSchema = z.object({
  id: fileIdSchema,
  object: z.literal('file'),
  deleted: z.literal(true),
});
export type OpenAiFileDeleted = z.infer<typeof openAiFileDeletedSchema>;

/** Query of `GET /v1/files`. Query strings are text: numbers are coerced, unknown parameters refused. */
export const listFilesQuerySchema = z
  .object({
    after: fileIdSchema.optional(),
    limit: z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1).max(10_000).default(10_000),
    order: z.enum(['asc', 'desc']).default('desc'),
    purpose: filePurposeSchema.optional(),
  })
  .strict();
export type ListFilesQuery = z.infer<typeof listFilesQuerySchema>;

/** The text fields of the multipart `POST /v1/files` request; `file` is the uploaded part. */
export const uploadFileFieldsSchema = z
  .object({
    purpose: fileUploadPurposeSchema,
  })
  .strict();
