/**
 * One structured error type for everything that can be wrong with a dataset, so the datagen service can
 * map it to a failed result and a user can fix the file without guessing: which file, which line (or CSV
 * row), which field, and what was expected there.
 */
export const DATASET_ERROR_CODES = [
  'file_too_large',
  'line_too_long',
  'too_many_records',
  'too_many_errors',
  'nesting_too_deep',
  'invalid_encoding',
  'invalid_json',
  'invalid_csv',
  'invalid_record',
  'unknown_format',
  'rule_violation',
  'read_failed',
  'archive_not_accepted',
  /** Synthesis could not produce samples (an LLM endpoint that failed or refused the request). */
  'synthesis_failed',
] as const;
export type DatasetErrorCode = (typeof DATASET_ERROR_CODES)[number];

export interface DatasetErrorDetails {
  code: DatasetErrorCode;
  file: string;
  /** 1-based physical line; absent only when the error concerns the whole file. */
  line?: number;
  /** 1-based CSV data row. */
  row?: number;
  /** Field path inside the record, e.g. `messages[2].tool_calls[0].function.arguments`; empty for the record itself. */
  path: string;
  expected: string;
  /** A short, truncated rendering of what was found, never the whole record. */
  received?: string;
}

export class DatasetError extends Error implements DatasetErrorDetails {
  readonly code: DatasetErrorCode;
  readonly file: string;
  readonly line?: number;
  readonly row?: number;
  readonly path: string;
  readonly expected: string;
  readonly received?: string;

  constructor(details: DatasetErrorDetails) {
    super(describe(details));
    this.name = 'DatasetError';
    this.code = details.code;
    this.file = details.file;
    this.line = details.line;
    this.row = details.row;
    this.path = details.path;
    this.expected = details.expected;
    this.received = details.received;
  }

  toJSON(): DatasetErrorDetails & { message: string } {
    const json: DatasetErrorDetails & { message: string } = {
      code: this.code,
      file: this.file,
      path: this.path,
      expected: this.expected,
      message: this.message,
    };
    if (this.line !== undefined) json.line = this.line;
    if (this.row !== undefined) json.row = this.row;
    if (this.received !== undefined) json.received = this.received;
    return json;
  }
}

function describe(d: DatasetErrorDetails): string {
  const where = [d.file, d.line !== undefined ? `line ${d.line}` : '', d.row !== undefined ? `row ${d.row}` : '']
    .filter(Boolean)
    .join(', ');
  const field = d.path ? ` at ${d.path}` : '';
  const found = d.received !== undefined ? `, found ${d.received}` : '';
  return `${where}${field}: expected ${d.expected}${found} [${d.code}]`;
}

const PREVIEW_CHARS = 80;

/** Renders an offending value for an error message without echoing a large or hostile payload back. */
export function previewValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
