/** Why a document could not be read; stable strings that travel in events. */
export type DocumentErrorCode = 'not_found' | 'too_large' | 'not_text' | 'invalid_json' | 'invalid_record' | 'empty' | 'unsupported_format';

export interface DocumentErrorDetails {
  code: DocumentErrorCode;
  /** The document as the caller names it (a file id, a key, a path). */
  source: string;
  /** 1-based line, for line-oriented formats. */
  line?: number;
  /** Field inside the record (`text`); empty for the document as a whole. */
  field: string;
  expected: string;
  received?: string;
}

/**
 * One document that cannot be indexed, precise enough to fix it: which document, which line and field,
 * what was expected. Indexing a batch collects these per document and indexes the others.
 */
export class DocumentError extends Error {
  readonly details: DocumentErrorDetails;

  constructor(details: DocumentErrorDetails) {
    const where = `${details.source}${details.line !== undefined ? `:${details.line}` : ''}${details.field ? ` (${details.field})` : ''}`;
    super(`${where}: expected ${details.expected}${details.received !== undefined ? `, received ${details.received}` : ''}`);
    this.name = 'DocumentError';
    this.details = details;
  }

  toJSON(): DocumentErrorDetails {
    return { ...this.details };
  }
}
