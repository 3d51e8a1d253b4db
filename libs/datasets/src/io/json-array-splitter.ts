import { DatasetError } from '../errors/dataset-error';

export type ElementEvent = { text: string; line: number } | { error: DatasetError };

interface SplitterLimits {
  maxElementChars: number;
  maxNestingDepth: number;
}

/**
 * Splits a top-level JSON array into the text of its elements while the file streams in, so an array of a
 * million samples is read with the memory of one sample. It only tracks strings and bracket depth; each
 * element is then parsed on its own, which also localizes a syntax error to the element's line.
 * A broken array structure (not an array, garbage after it) is fatal and thrown.
 */
export class JsonArraySplitter {
  private state: 'before' | 'between' | 'element' | 'after' = 'before';
  private depth = 0;
  private deepest = 0;
  private inString = false;
  private escaped = false;
  private element: string[] = [];
  private elementChars = 0;
  private elementLine = 0;
  private oversized = false;
  private line = 1;
  private expectingValue = true;
  private sawElement = false;

  constructor(
    private readonly file: string,
    private readonly limits: SplitterLimits,
  ) {}

  *feed(text: string): Generator<ElementEvent> {
    let segmentStart = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.state === 'element') {
        const ended = this.scanElementChar(ch);
        if (ended) {
          this.append(text.slice(segmentStart, i));
          yield this.flushElement();
          this.state = ch === ']' ? 'after' : 'between';
          this.expectingValue = ch === ',';
        }
      } else if (!isWhitespace(ch)) {
        if (this.state === 'before') {
          if (ch !== '[') throw this.structureError('a JSON array starting with [');
          this.state = 'between';
        } else if (this.state === 'between') {
          if (ch === ']') {
            if (this.expectingValue && this.sawElement) throw this.structureError('a value after ,');
            this.state = 'after';
          } else if (ch === ',') {
            throw this.structureError('a value, not ,');
          } else {
            this.startElement();
            segmentStart = i;
            if (this.scanElementChar(ch)) throw this.structureError('a value');
          }
        } else {
          throw this.structureError('nothing after the closing ]');
        }
      }
      if (ch === '\n') this.line++;
    }
    if (this.state === 'element') this.append(text.slice(segmentStart));
  }

  /** Yields a last element that is complete but unterminated, so it is not lost to the missing `]`, then throws. */
  *end(): Generator<ElementEvent> {
    if (this.state === 'element' && this.depth === 0 && !this.inString) yield this.flushElement();
    if (this.state !== 'after') throw this.structureError(this.state === 'before' ? 'a JSON array' : 'the closing ] of the array');
  }

  private startElement(): void {
    this.state = 'element';
    this.sawElement = true;
    this.depth = 0;
    this.deepest = 0;
    this.inString = false;
    this.escaped = false;
    this.element = [];
    this.elementChars = 0;
    this.oversized = false;
    this.elementLine = this.line;
  }

  /** Returns true when `ch` ends the current element (a `,` or `]` outside it). */
  private scanElementChar(ch: string): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (ch === '\\') this.escaped = true;
      else if (ch === '"') this.inString = false;
      return false;
    }
    if (ch === '"') this.inString = true;
    else if (ch === '[' || ch === '{') {
      this.depth++;
      this.deepest = Math.max(this.deepest, this.depth);
    } else if (ch === ']' || ch === '}') {
      if (this.depth === 0) return ch === ']';
      this.depth--;
    } else if (ch === ',' && this.depth === 0) return true;
    return false;
  }

  private append(piece: string): void {
    if (this.oversized || piece.length === 0) return;
    this.elementChars += piece.length;
    if (this.elementChars > this.limits.maxElementChars) {
      this.oversized = true;
      this.element = [];
      return;
    }
    this.element.push(piece);
  }

  private flushElement(): ElementEvent {
    const line = this.elementLine;
    if (this.oversized) {
      return { error: new DatasetError({ code: 'line_too_long', file: this.file, line, path: '', expected: `an array element of at most ${this.limits.maxElementChars} characters` }) };
    }
    // The array itself is one level; the element may use the rest.
    if (this.deepest + 1 > this.limits.maxNestingDepth) {
      return { error: new DatasetError({ code: 'nesting_too_deep', file: this.file, line, path: '', expected: `JSON nested at most ${this.limits.maxNestingDepth} levels` }) };
    }
    const text = this.element.join('').trim();
    this.element = [];
    return { text, line };
  }

  private structureError(expected: string): DatasetError {
    return new DatasetError({ code: 'invalid_json', file: this.file, line: this.line, path: '', expected });
  }
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\ufeff';
}
