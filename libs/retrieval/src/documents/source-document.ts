/** The document formats the readers understand. */
export const DOCUMENT_FORMATS = ['text', 'markdown', 'html', 'jsonl'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/**
 * A stretch of plain text taken from a document. Plain text, Markdown and HTML give one section per
 * document; JSONL gives one per line, so a passage can say which record it came from.
 */
export interface DocumentSection {
  text: string;
  /** 1-based line of the JSONL record the section came from. */
  line?: number;
}

/** A document read to plain text, ready to chunk. */
export interface SourceDocument {
  /** How passages cite the document (a file id, a key, a path). */
  source: string;
  format: DocumentFormat;
  sections: DocumentSection[];
}
