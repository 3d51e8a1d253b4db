import type { DatasetFormat, DatasetRecord, SourceLocation } from './conversation/dataset-record';
import { DatasetError } from './errors/dataset-error';
import { resolveLimits, type ReadLimits } from './errors/read-limits';
import { FORMAT_READERS, detectFormat } from './formats/format-registry';
import { ARCHIVE_SIGNATURE_BYTES, archiveKind } from './io/archive-signature';
import { readCappedBytes, sourceName, type ByteSource } from './io/byte-source';
import { csvValues, jsonArrayValues, jsonlValues, type CsvColumnMapping, type DatasetEncoding, type RawValueEvent } from './io/raw-values';

export interface ReadDatasetOptions {
  /** Name used in errors; defaults to the file's base name. */
  file?: string;
  format?: DatasetFormat | 'auto';
  encoding?: DatasetEncoding | 'auto';
  limits?: Partial<ReadLimits>;
  csvColumns?: CsvColumnMapping;
  /** How many leading records format auto-detection looks at. */
  detectionSample?: number;
}

export type ReadEvent = { record: DatasetRecord } | { error: DatasetError };

const DEFAULT_DETECTION_SAMPLE = 5;

/**
 * Streams a dataset file as normalized records and structured errors, in file order. Memory stays bounded
 * by one record (plus the few held for format detection) whatever the file size. Reading stops after a
 * fatal error (file too large, broken container, unknown format, too many records) and after more than
 * `maxErrors` errors, so a wholly wrong file costs a capped report, not a million errors.
 */
export async function* readDataset(source: ByteSource, options: ReadDatasetOptions = {}): AsyncGenerator<ReadEvent> {
  const file = sourceName(source, options.file);
  const limits = resolveLimits(options.limits);
  let errors = 0;
  let records = 0;
  const tooManyErrors = () =>
    new DatasetError({ code: 'too_many_errors', file, path: '', expected: `at most ${limits.maxErrors} errors; reading stopped` });

  try {
    // A .csv name settles the container: a CSV whose first cell starts with { or [ would otherwise sniff as JSON.
    const requested = options.encoding && options.encoding !== 'auto' ? options.encoding : /\.csv$/i.test(file) ? 'csv' : 'auto';
    const { encoding, chunks } = await sniffEncoding(readCappedBytes(source, file, limits.maxFileBytes), requested, file);
    const values: AsyncGenerator<RawValueEvent> =
      encoding === 'jsonl' ? jsonlValues(chunks, file, limits) : encoding === 'json' ? jsonArrayValues(chunks, file, limits) : csvValues(chunks, file, limits, options.csvColumns);

    let format = options.format && options.format !== 'auto' ? options.format : undefined;
    const held: RawValueEvent[] = [];
    const sampleSize = options.detectionSample ?? DEFAULT_DETECTION_SAMPLE;

    const emit = function* (event: RawValueEvent): Generator<ReadEvent, boolean> {
      if ('error' in event) {
        errors++;
        if (errors > limits.maxErrors) {
          yield { error: tooManyErrors() };
          return false;
        }
        yield event;
        return true;
      }
      records++;
      if (records > limits.maxRecords) {
        yield { error: new DatasetError({ code: 'too_many_records', file, line: event.line, row: event.row, path: '', expected: `at most ${limits.maxRecords} records` }) };
        return false;
      }
      const location: SourceLocation = event.row !== undefined ? { file, line: event.line, row: event.row } : { file, line: event.line };
      const result = FORMAT_READERS[format as DatasetFormat].normalize(event.value);
      if (result.ok) {
        yield { record: { ...result.record, format: format as DatasetFormat, location } as DatasetRecord };
        return true;
      }
      for (const issue of result.issues) {
        errors++;
        if (errors > limits.maxErrors) {
          yield { error: tooManyErrors() };
          return false;
        }
        yield { error: new DatasetError({ code: 'invalid_record', file, line: event.line, row: event.row, path: issue.path, expected: issue.expected, received: issue.received }) };
      }
      return true;
    };

    const decide = (): DatasetError | undefined => {
      format = detectFormat(held.flatMap((e) => ('value' in e ? [e.value] : [])));
      if (format) return undefined;
      const first = held.find((e) => 'value' in e);
      return new DatasetError({
        code: 'unknown_format',
        file,
        line: first && 'line' in first ? first.line : undefined,
        path: '',
        expected: `records in one of the formats ${Object.keys(FORMAT_READERS).join(', ')}`,
      });
    };

    let fatal: DatasetError | undefined;
    try {
      for await (const event of values) {
        if (!format) {
          held.push(event);
          if (held.filter((e) => 'value' in e).length < sampleSize) continue;
          const unknown = decide();
          if (unknown) {
            yield { error: unknown };
            return;
          }
          for (const h of held.splice(0)) if (!(yield* emit(h))) return;
          continue;
        }
        if (!(yield* emit(event))) return;
      }
    } catch (error) {
      // Records read before a fatal container error are still reported, then the error.
      if (!(error instanceof DatasetError)) throw error;
      fatal = error;
    }
    if (!format && held.length) {
      if (held.some((e) => 'value' in e)) {
        const unknown = decide();
        if (unknown) {
          yield { error: unknown };
          return;
        }
      }
      for (const h of held.splice(0)) {
        if (!format) {
          // Only errors were held: report them as they are.
          if ('error' in h) yield h;
          continue;
        }
        if (!(yield* emit(h))) return;
      }
    }
    if (fatal) yield { error: fatal };
  } catch (error) {
    if (error instanceof DatasetError) {
      yield { error };
      return;
    }
    throw error;
  }
}

function containerOf(chunk: Buffer): DatasetEncoding | undefined {
  for (const byte of chunk) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
    return byte === 0x5b ? 'json' : byte === 0x7b ? 'jsonl' : 'csv';
  }
  return undefined;
}

/** Refuses archives by their magic bytes, then looks at the first non-blank character: `[` is a JSON array, `{` is JSONL, anything else CSV. */
async function sniffEncoding(
  bytes: AsyncGenerator<Buffer>,
  requested: DatasetEncoding | 'auto',
  file: string,
): Promise<{ encoding: DatasetEncoding; chunks: AsyncIterable<Buffer> }> {
  const seen: Buffer[] = [];
  let seenBytes = 0;
  let exhausted = false;
  while (seenBytes < ARCHIVE_SIGNATURE_BYTES) {
    const next = await bytes.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    seen.push(next.value);
    seenBytes += next.value.length;
  }
  const archive = archiveKind(Buffer.concat(seen));
  if (archive) {
    throw new DatasetError({ code: 'archive_not_accepted', file, path: '', expected: 'an uncompressed JSONL, JSON or CSV file', received: `a ${archive} archive` });
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* seen;
    if (!exhausted) yield* bytes;
  }
  if (requested !== 'auto') return { encoding: requested, chunks: replay() };
  let encoding: DatasetEncoding | undefined;
  for (const chunk of seen) if ((encoding = containerOf(chunk))) break;
  while (!encoding && !exhausted) {
    const next = await bytes.next();
    if (next.done) break;
    seen.push(next.value);
    encoding = containerOf(next.value);
  }
  if (!encoding) throw new DatasetError({ code: 'unknown_format', file, path: '', expected: 'a non-empty file' });
  return { encoding, chunks: replay() };
}

export interface CollectedDataset {
  records: DatasetRecord[];
  errors: DatasetError[];
}

/** Reads a whole dataset into memory; for files known to be small (fixtures, uploads already size-checked). */
export async function collectDataset(source: ByteSource, options: ReadDatasetOptions = {}): Promise<CollectedDataset> {
  const records: DatasetRecord[] = [];
  const errors: DatasetError[] = [];
  for await (const event of readDataset(source, options)) {
    if ('record' in event) records.push(event.record);
    else errors.push(event.error);
  }
  return { records, errors };
}
