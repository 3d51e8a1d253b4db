import { decodeText, tidyWhitespace } from './decode-text';
import { DocumentError } from './document-error';
import { htmlToText } from './html-to-text';
import { AggregateDocumentError, readJsonlSections } from './read-jsonl';
import { markdownToText } from './markdown-to-text';
import type { DocumentFormat, SourceDocument } from './source-document';

/** Knowledge documents are prose; a bigger upload is almost certainly something else (or an attack on memory). */
export const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

export interface DocumentInput {
  /** How passages and errors name the document. */
  source: string;
  bytes: Buffer;
  /** Given: used as is. Absent: from the file name's extension, else from the content. */
  format?: DocumentFormat;
  /** The original file name, whose extension says the format when `format` is absent. */
  filename?: string;
}

export type DocumentReadResult = { ok: true; document: SourceDocument } | { ok: false; errors: DocumentError[] };

const EXTENSIONS: Record<string, DocumentFormat> = {
  txt: 'text', text: 'text', md: 'markdown', markdown: 'markdown', mdx: 'markdown', html: 'html', htm: 'html', xhtml: 'html', jsonl: 'jsonl', ndjson: 'jsonl',
};

/** The format the extension says, if it says one. */
export function formatFromFilename(name: string): DocumentFormat | undefined {
  const extension = /\.([a-zA-Z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : EXTENSIONS[extension];
}

/**
 * The format the content shows, for uploads whose name says nothing (the gateway stores a file's bytes
 * under `files/<id>/content`): markup at the start is HTML, a first line that is a JSON object is JSONL,
 * Markdown headings, fences or links are Markdown, anything else is text.
 */
export function sniffFormat(text: string): DocumentFormat {
  const start = text.trimStart().slice(0, 1024).toLowerCase();
  if (/^<(!doctype\s+html|html|head|body|article|main|div|p|h[1-6]|section)\b/.test(start)) return 'html';
  const firstLine = start.split('\n', 1)[0].trim();
  if (firstLine.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text.trimStart().split('\n', 1)[0]);
      if (typeof value === 'object' && value !== null) return 'jsonl';
    } catch {
      // not JSON Lines
    }
  }
  if (/^\s{0,3}(#{1,6}\s|```|~~~)|\[[^\]\n]+\]\([^)\n]+\)/m.test(text.slice(0, 64 * 1024))) return 'markdown';
  return 'text';
}

/** Reads one document to plain-text sections; never throws for a bad document, returns its errors. */
export function readDocument(input: DocumentInput): DocumentReadResult {
  const { source, bytes } = input;
  try {
    if (bytes.length > MAX_DOCUMENT_BYTES) {
      throw new DocumentError({ code: 'too_large', source, field: '', expected: `a document of at most ${MAX_DOCUMENT_BYTES} bytes`, received: `${bytes.length} bytes` });
    }
    const text = decodeText(bytes, source);
    const format = input.format ?? (input.filename ? formatFromFilename(input.filename) : undefined) ?? formatFromFilename(source) ?? sniffFormat(text);
    const sections =
      format === 'jsonl'
        ? readJsonlSections(text, source).map((s) => ({ ...s, text: tidyWhitespace(s.text) }))
        : [{ text: tidyWhitespace(format === 'html' ? htmlToText(text) : format === 'markdown' ? markdownToText(text) : text) }];
    const kept = sections.filter((s) => s.text.length > 0);
    if (kept.length === 0) {
      throw new DocumentError({ code: 'empty', source, field: '', expected: `a ${format} document with some text in it`, received: 'no text' });
    }
    return { ok: true, document: { source, format, sections: kept } };
  } catch (error) {
    if (error instanceof DocumentError) return { ok: false, errors: [error] };
    if (error instanceof AggregateDocumentError) return { ok: false, errors: error.errors };
    throw error;
  }
}
