import { DocumentError } from './document-error';
import type { DocumentSection } from './source-document';

/** A document with more wrong lines than this is wrong as a whole: listing more helps nobody. */
export const MAX_ERRORS_PER_DOCUMENT = 20;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `a string of ${value.length} characters` : typeof value;
}

/**
 * JSON Lines, one passage source per line: each non-blank line is a JSON object with a string `text`
 * field, or, failing that, a string `content` field (the two names knowledge dumps use). Any wrong line
 * refuses the document, with up to MAX_ERRORS_PER_DOCUMENT errors that each name the line and field;
 * indexing part of a file would hide the records a user expects to be searchable.
 */
export function readJsonlSections(text: string, source: string): DocumentSection[] {
  const sections: DocumentSection[] = [];
  const errors: DocumentError[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length && errors.length < MAX_ERRORS_PER_DOCUMENT; index += 1) {
    const line = index + 1;
    if (lines[index].trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(lines[index]);
    } catch (error) {
      errors.push(new DocumentError({ code: 'invalid_json', source, line, field: '', expected: 'one JSON object per line', received: (error as Error).message.slice(0, 120) }));
      continue;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      errors.push(new DocumentError({ code: 'invalid_record', source, line, field: '', expected: 'a JSON object with a string field `text` or `content`', received: describe(record) }));
      continue;
    }
    const fields = record as Record<string, unknown>;
    const field = 'text' in fields ? 'text' : 'content' in fields ? 'content' : undefined;
    if (field === undefined) {
      errors.push(new DocumentError({ code: 'invalid_record', source, line, field: 'text', expected: 'a string field `text` or `content`', received: `fields ${Object.keys(fields).slice(0, 8).join(', ') || '(none)'}` }));
      continue;
    }
    const value = fields[field];
    if (typeof value !== 'string' || value.trim() === '') {
      errors.push(new DocumentError({ code: 'invalid_record', source, line, field, expected: 'a non-empty string', received: describe(value) }));
      continue;
    }
    sections.push({ text: value, line });
  }
  if (errors.length > 0) throw new AggregateDocumentError(errors);
  return sections;
}

/** Several errors in one document, all of which the caller reports. */
export class AggregateDocumentError extends Error {
  constructor(readonly errors: DocumentError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'AggregateDocumentError';
  }
}
