import { z } from 'zod';
import { inputErrorSchema } from '../../input-error-schema';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';
import { RETRIEVAL_DOCUMENT_FORMATS } from '../retrieval.index.requested.v1';

/** At most this many errors travel in the event; the rest are counted (the message stays small). */
export const MAX_RETRIEVAL_ERRORS = 100;

/** Why a document (or the task) could not be indexed, precise enough to fix the file without guessing. */
export const retrievalErrorSchema = inputErrorSchema({
  /** The document's key, or `<request>` for an error of the task as a whole (the embeddings endpoint failing). */
  document: z.string(),
  /** 1-based line, for JSONL documents. */
  line: z.number().int().positive().optional(),
});

const countsSchema = z
  .object({
    /** Documents the request named. */
    documents: z.number().int().nonnegative(),
    indexedDocuments: z.number().int().nonnegative(),
    failedDocuments: z.number().int().nonnegative(),
    passages: z.number().int().nonnegative(),
  })
  .strict();

const indexedDocumentSchema = z
  .object({ key: z.string(), source: z.string(), format: z.enum(RETRIEVAL_DOCUMENT_FORMATS), passages: z.number().int().positive() })
  .strict();

/** The retrieval service's answer to a `retrieval.index.requested.v1` task, correlated by task id. */
export const retrievalIndexCompletedV1 = defineTopic(
  'retrieval.index.completed.v1',
  z.discriminatedUnion('status', [
    z
      .object({
        taskId: keySafeIdSchema,
        jobId: keySafeIdSchema,
        /** At least one document was indexed; the others, if any, are in `errors`. */
        status: z.literal('succeeded'),
        /** Prefix of the committed `retrieval-index` artifact in the tenant's store. */
        index: z.string().min(1),
        counts: countsSchema,
        documents: z.array(indexedDocumentSchema).max(1000),
        /** The embeddings model the index's vectors come from; absent: BM25 only. */
        embeddings: z.object({ model: z.string(), dimensions: z.number().int().positive() }).strict().optional(),
        errors: z.array(retrievalErrorSchema).max(MAX_RETRIEVAL_ERRORS),
        errorCount: z.number().int().nonnegative(),
      })
      .strict(),
    z
      .object({
        taskId: keySafeIdSchema,
        jobId: keySafeIdSchema,
        /** No document could be indexed, or the task itself could not be done. */
        status: z.literal('failed'),
        counts: countsSchema,
        errors: z.array(retrievalErrorSchema).min(1).max(MAX_RETRIEVAL_ERRORS),
        errorCount: z.number().int().positive(),
      })
      .strict(),
  ]),
  { partitions: 6 },
);

export type RetrievalError = z.infer<typeof retrievalErrorSchema>;
