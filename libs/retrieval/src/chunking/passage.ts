/** A chunk of a document: what the index ranks and what a search returns. */
export interface Passage {
  /** Stable within an index: `<source>#<section>:<start>`. */
  id: string;
  /** The document it came from, as the caller named it. */
  source: string;
  /** 1-based line of the JSONL record, for JSONL documents. */
  line?: number;
  /** Character offsets of `text` in the section's plain text (after the reader's conversion), end exclusive. */
  start: number;
  end: number;
  text: string;
}
