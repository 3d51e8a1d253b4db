import { DatasetError, previewValue } from '../errors/dataset-error';
import type { ReadLimits } from '../errors/read-limits';
import { CsvParser } from './csv-parser';
import { JsonArraySplitter } from './json-array-splitter';
import { jsonNestingDepth } from './json-depth';
import { splitLines } from './line-splitter';

/** The container a file's records sit in, independent of what the records mean. */
export type DatasetEncoding = 'jsonl' | 'json' | 'csv';

export type RawValueEvent = { value: unknown; line: number; row?: number } | { error: DatasetError };

/** Maps CSV header names to record fields; headers not listed keep their name. */
export type CsvColumnMapping = Record<string, string>;

// Fields that hold structured data; in a CSV cell they are JSON text.
const JSON_FIELDS = new Set(['messages', 'tools', 'conversations', 'history', 'input', 'preferred_output', 'non_preferred_output', 'memory', 'parallel_tool_calls']);

function parseJsonText(text: string, file: string, line: number, limits: ReadLimits, row?: number, path = ''): RawValueEvent {
  if (jsonNestingDepth(text, limits.maxNestingDepth) > limits.maxNestingDepth) {
    return { error: new DatasetError({ code: 'nesting_too_deep', file, line, row, path, expected: `JSON nested at most ${limits.maxNestingDepth} levels` }) };
  }
  try {
    return { value: JSON.parse(text) as unknown, line, row };
  } catch (error) {
    return { error: new DatasetError({ code: 'invalid_json', file, line, row, path, expected: 'valid JSON', received: (error as Error).message.slice(0, 120) }) };
  }
}

export async function* jsonlValues(chunks: AsyncIterable<Buffer>, file: string, limits: ReadLimits): AsyncGenerator<RawValueEvent> {
  for await (const event of splitLines(chunks, file, limits.maxLineBytes)) {
    if ('error' in event) yield event;
    else if (event.text.trim() !== '') yield parseJsonText(event.text, file, event.line, limits);
  }
}

export async function* jsonArrayValues(chunks: AsyncIterable<Buffer>, file: string, limits: ReadLimits): AsyncGenerator<RawValueEvent> {
  const splitter = new JsonArraySplitter(file, { maxElementChars: limits.maxLineBytes, maxNestingDepth: limits.maxNestingDepth });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes?: Buffer): string => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new DatasetError({ code: 'invalid_encoding', file, path: '', expected: 'UTF-8 text' });
    }
  };
  for await (const chunk of chunks) {
    for (const event of splitter.feed(decode(chunk))) {
      yield 'error' in event ? event : parseJsonText(event.text, file, event.line, limits);
    }
  }
  for (const event of splitter.feed(decode())) yield 'error' in event ? event : parseJsonText(event.text, file, event.line, limits);
  for (const event of splitter.end()) yield 'error' in event ? event : parseJsonText(event.text, file, event.line, limits);
}

export async function* csvValues(chunks: AsyncIterable<Buffer>, file: string, limits: ReadLimits, mapping: CsvColumnMapping = {}): AsyncGenerator<RawValueEvent> {
  const parser = new CsvParser(file, limits.maxLineBytes);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let header: string[] | undefined;
  let row = 0;

  function* toValues(events: Iterable<import('./csv-parser').CsvEvent>): Generator<RawValueEvent> {
    for (const event of events) {
      if ('error' in event) {
        yield header ? { error: withRow(event.error, ++row) } : event;
        continue;
      }
      if (!header) {
        header = event.fields.map((name) => mapping[name.trim()] ?? name.trim());
        const duplicate = header.find((name, i) => name === '' || header?.indexOf(name) !== i);
        if (duplicate !== undefined) {
          throw new DatasetError({ code: 'invalid_csv', file, line: event.line, path: '', expected: 'a header row of distinct, non-empty column names', received: previewValue(duplicate) });
        }
        continue;
      }
      row++;
      if (event.fields.length !== header.length) {
        yield { error: new DatasetError({ code: 'invalid_csv', file, line: event.line, row, path: '', expected: `${header.length} fields as in the header`, received: `${event.fields.length} fields` }) };
        continue;
      }
      const record: Record<string, unknown> = {};
      let failed: RawValueEvent | undefined;
      header.forEach((name, i) => {
        const cell = event.fields[i];
        if (failed) return;
        if (JSON_FIELDS.has(name) && /^\s*[[{]|^\s*(true|false)\s*$/.test(cell)) {
          const parsed = parseJsonText(cell, file, event.line, limits, row, name);
          if ('error' in parsed) failed = parsed;
          else record[name] = parsed.value;
        } else if (cell !== '') {
          // An empty cell is an absent field, so optional columns can be left blank.
          record[name] = cell;
        }
      });
      yield failed ?? { value: record, line: event.line, row };
    }
  }

  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new DatasetError({ code: 'invalid_encoding', file, path: '', expected: 'UTF-8 text' });
    }
    yield* toValues(parser.feed(text));
  }
  yield* toValues(parser.end());
}

function withRow(error: DatasetError, row: number): DatasetError {
  return new DatasetError({ ...error.toJSON(), row });
}
