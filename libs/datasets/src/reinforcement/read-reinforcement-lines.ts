import { DatasetError } from '../errors/dataset-error';
import { resolveLimits, type ReadLimits } from '../errors/read-limits';
import { readCappedBytes, sourceName, type ByteSource } from '../io/byte-source';
import { jsonlValues } from '../io/raw-values';
import { readReinforcementLine, type ReinforcementLine } from './reinforcement-line';

export type ReinforcementReadEvent = { line: ReinforcementLine; location: { file: string; line: number } } | { error: DatasetError };

/**
 * Streams a reinforcement JSONL file (OpenAI's format: one `{messages, ...extra fields}` object a line) as checked
 * lines or errors naming the file, the line number and the field, in file order — the training and the validation
 * file alike. Reading stops after more than `maxErrors` errors or `maxRecords` lines, as for other datasets.
 */
export async function* readReinforcementLines(source: ByteSource, options: { file?: string; limits?: Partial<ReadLimits> } = {}): AsyncGenerator<ReinforcementReadEvent> {
  const file = sourceName(source, options.file);
  const limits = resolveLimits(options.limits);
  let errors = 0;
  let lines = 0;
  try {
    for await (const event of jsonlValues(readCappedBytes(source, file, limits.maxFileBytes), file, limits)) {
      if ('error' in event) {
        yield event;
        if (++errors > limits.maxErrors) return;
        continue;
      }
      if (++lines > limits.maxRecords) {
        yield { error: new DatasetError({ code: 'too_many_records', file, line: event.line, path: '', expected: `at most ${limits.maxRecords} records` }) };
        return;
      }
      const result = readReinforcementLine(event.value);
      if (result.ok) {
        yield { line: result.line, location: { file, line: event.line } };
        continue;
      }
      for (const issue of result.issues) {
        yield { error: new DatasetError({ code: 'invalid_record', file, line: event.line, path: issue.path, expected: issue.expected, received: issue.received }) };
        if (++errors > limits.maxErrors) return;
      }
    }
  } catch (error) {
    if (error instanceof DatasetError) yield { error };
    else throw error;
  }
}
