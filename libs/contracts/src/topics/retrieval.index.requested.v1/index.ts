import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

/** A key in the tenant's own artifact store (tenant-relative: the tenant comes from the envelope). */
const tenantKeySchema = z.string().min(1).max(1024);

export const RETRIEVAL_DOCUMENT_FORMATS = ['text', 'markdown', 'html', 'jsonl'] as const;

/** One knowledge document: an uploaded file's bytes in the tenant's store (the gateway keeps them at `files/<id>/content`). */
export const retrievalDocumentSchema = z
  .object({
    key: tenantKeySchema,
    /** The name it was uploaded under: passages cite it, and its extension gives the format when `format` is absent. */
    filename: z.string().min(1).max(512).optional(),
    /** Absent: from the file name's extension, else from the content. */
    format: z.enum(RETRIEVAL_DOCUMENT_FORMATS).optional(),
  })
  .strict();

/**
 * The orchestrator asks the retrieval service to index a job's knowledge documents: read each one,
 * chunk it, build a BM25 index (with embeddings when the service has an endpoint configured), and write
 * it as a `retrieval-index` artifact. The envelope's correlation id is the job id and its tenant owns the
 * documents; the answer is `retrieval.index.completed.v1` with the same task id.
 */
export const retrievalIndexRequestedV1 = defineTopic(
  'retrieval.index.requested.v1',
  z
    .object({
      /** Identifies this indexing task; a task re-sent after a crash keeps it, and so finds its own artifact. */
      taskId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      documents: z.array(retrievalDocumentSchema).min(1).max(1000),
      /** Passages of `size` words, each sharing `overlap` words with the one before. */
      chunking: z
        .object({ size: z.number().int().min(16).max(4096).default(200), overlap: z.number().int().min(0).max(2048).default(40) })
        .strict()
        .refine((c) => c.overlap < c.size, { message: 'overlap must be smaller than size', path: ['overlap'] })
        .default({ size: 200, overlap: 40 }),
      /** Okapi BM25 parameters. */
      bm25: z.object({ k1: z.number().min(0).max(10).default(1.2), b: z.number().min(0).max(1).default(0.75) }).strict().default({ k1: 1.2, b: 0.75 }),
    })
    .strict(),
  { partitions: 6 },
);
