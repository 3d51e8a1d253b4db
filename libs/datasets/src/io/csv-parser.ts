import { DatasetError } from '../errors/dataset-error';

export type CsvEvent = { fields: string[]; line: number } | { error: DatasetError };

/**
 * A streaming RFC 4180 parser (no CSV package is installed, and the grammar is small): comma-separated
 * fields, fields quoted with `"` may hold commas, line breaks and `""` for a quote; records end at CRLF or
 * LF. A stray quote inside an unquoted field, or text after a closing quote, makes that record an error
 * and parsing resumes at the next record, so one bad row is reported without hiding the rows after it.
 */
export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private quoted = false;
  private inQuotes = false;
  private quotePending = false;
  private recordLine = 1;
  private line = 1;
  private recordChars = 0;
  private problem: string | undefined;
  private started = false;

  constructor(
    private readonly file: string,
    private readonly maxRecordChars: number,
  ) {}

  *feed(text: string): Generator<CsvEvent> {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (!this.started) {
        this.started = true;
        if (ch === '\ufeff') continue;
      }
      this.recordChars++;
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (ch === '"') {
            this.addChar('"');
            continue;
          }
          this.inQuotes = false;
          // fall through: the quote closed the field, `ch` must end it
        } else {
          if (ch === '"') this.quotePending = true;
          else this.addChar(ch);
          if (ch === '\n') this.line++;
          continue;
        }
      }
      if (ch === ',') {
        this.endField();
      } else if (ch === '\n') {
        this.line++;
        yield* this.endRecord();
      } else if (ch === '\r') {
        // Part of CRLF; a lone CR inside an unquoted field is dropped as well.
      } else if (ch === '"') {
        if (this.field.length === 0 && !this.quoted) {
          this.quoted = true;
          this.inQuotes = true;
        } else {
          this.problem ??= 'a quote only at the start of a field, or doubled inside a quoted field';
          this.addChar(ch);
        }
      } else {
        if (this.quoted) this.problem ??= 'a comma or line break after a closing quote';
        this.addChar(ch);
      }
    }
  }

  *end(): Generator<CsvEvent> {
    if (this.inQuotes && !this.quotePending) {
      this.problem ??= 'a closing quote before the end of the file';
    }
    this.inQuotes = false;
    this.quotePending = false;
    if (this.fields.length > 0 || this.field.length > 0 || this.quoted || this.problem) yield* this.endRecord();
  }

  private addChar(ch: string): void {
    if (this.recordChars > this.maxRecordChars) return;
    this.field += ch;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.quoted = false;
  }

  private *endRecord(): Generator<CsvEvent> {
    this.endField();
    const line = this.recordLine;
    const fields = this.fields;
    const oversized = this.recordChars > this.maxRecordChars;
    const problem = this.problem;
    this.fields = [];
    this.problem = undefined;
    this.recordChars = 0;
    this.recordLine = this.line;
    if (oversized) {
      yield { error: new DatasetError({ code: 'line_too_long', file: this.file, line, path: '', expected: `a CSV record of at most ${this.maxRecordChars} characters` }) };
    } else if (problem) {
      yield { error: new DatasetError({ code: 'invalid_csv', file: this.file, line, path: '', expected: problem }) };
    } else if (!(fields.length === 1 && fields[0] === '')) {
      // A blank line is not a record.
      yield { fields, line };
    }
  }
}
