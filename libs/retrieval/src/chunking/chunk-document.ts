import type { SourceDocument } from '../documents/source-document';
import type { Passage } from './passage';

export interface ChunkingOptions {
  /** Words per passage. */
  size: number;
  /** Words a passage shares with the one before it, so a sentence cut at a boundary is whole in one of them. */
  overlap: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { size: 200, overlap: 40 };

export function assertValidChunking(options: ChunkingOptions): void {
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`chunking.size: expected a whole number of words >= 1, received ${options.size}`);
  if (!Number.isInteger(options.overlap) || options.overlap < 0 || options.overlap >= options.size) {
    throw new RangeError(`chunking.overlap: expected a whole number of words from 0 to size-1 (${options.size - 1}), received ${options.overlap}`);
  }
}

/**
 * Splits each section into passages of `size` words (runs of non-space characters), each starting
 * `size - overlap` words after the previous one, the last one ending at the section's end. A passage's
 * text is the section's text between its first and last word, so offsets point back into the section and
 * the original spacing and line breaks are kept. Words, not model tokens: the index does not depend on a
 * tokenizer, and for English prose a word is about 1.3 tokens, which sizes are easy to translate by.
 */
export function chunkDocument(document: SourceDocument, options: ChunkingOptions = DEFAULT_CHUNKING): Passage[] {
  assertValidChunking(options);
  const passages: Passage[] = [];
  const step = options.size - options.overlap;
  document.sections.forEach((section, sectionIndex) => {
    const words = [...section.text.matchAll(/\S+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
    for (let first = 0; first < words.length; first += step) {
      const last = Math.min(first + options.size, words.length) - 1;
      const start = words[first].start;
      const end = words[last].end;
      passages.push({
        id: `${document.source}#${sectionIndex}:${start}`,
        source: document.source,
        ...(section.line !== undefined && { line: section.line }),
        start,
        end,
        text: section.text.slice(start, end),
      });
      if (last === words.length - 1) break;
    }
  });
  return passages;
}
