/** What the detokenizer needs of a tokenizer (libs/datasets' `ModelTokenizer`). */
export interface TokenDecoder {
  decode(ids: number[]): string;
}

/** Prompt tokens decoded with the first generated ones, so a leading-space marker decodes as it will in context. */
const CONTEXT_TOKENS = 5;
const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * Turns tokens into text one token at a time, the way the whole sequence decodes: each new piece is the text of a
 * window of recent tokens minus the text of the window without the newest ones (decoding a token alone loses the
 * spaces and merges it forms with its neighbours), and a token that ends inside a UTF-8 character waits for the
 * rest of it (byte-level BPE splits characters across tokens).
 */
export class IncrementalDetokenizer {
  private readonly tokens: number[];
  private prefixOffset: number;
  private readOffset: number;

  constructor(
    private readonly tokenizer: TokenDecoder,
    promptTail: readonly number[] = [],
  ) {
    this.tokens = promptTail.slice(-CONTEXT_TOKENS);
    this.prefixOffset = 0;
    this.readOffset = this.tokens.length;
  }

  /** The text `token` adds; '' while it ends inside a character. */
  push(token: number): string {
    this.tokens.push(token);
    const prefix = this.tokenizer.decode(this.tokens.slice(this.prefixOffset, this.readOffset));
    const text = this.tokenizer.decode(this.tokens.slice(this.prefixOffset));
    if (text.length <= prefix.length || text.endsWith(REPLACEMENT_CHARACTER)) return '';
    this.prefixOffset = this.readOffset;
    this.readOffset = this.tokens.length;
    return text.slice(prefix.length);
  }

  /** Whatever is still held at the end of the sequence (an incomplete character decodes as U+FFFD). */
  flush(): string {
    if (this.readOffset === this.tokens.length) return '';
    const prefix = this.tokenizer.decode(this.tokens.slice(this.prefixOffset, this.readOffset));
    const text = this.tokenizer.decode(this.tokens.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.tokens.length;
    return text.slice(prefix.length);
  }
}
