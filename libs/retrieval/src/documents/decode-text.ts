import { DocumentError } from './document-error';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes to text for every reader: UTF-8 only (a document in another encoding is refused rather than
 * indexed as mojibake), no NUL bytes (a binary file renamed .txt), byte-order mark dropped, line endings
 * made `\n` so offsets and line numbers mean the same thing on every platform.
 */
export function decodeText(bytes: Buffer, source: string): string {
  if (bytes.includes(0)) {
    throw new DocumentError({ code: 'not_text', source, field: '', expected: 'a text document (UTF-8)', received: 'binary data (NUL bytes)' });
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new DocumentError({ code: 'not_text', source, field: '', expected: 'a text document encoded as UTF-8', received: 'bytes that are not valid UTF-8' });
  }
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** Runs of spaces and tabs become one space, lines are trimmed, and more than one blank line becomes one. */
export function tidyWhitespace(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
