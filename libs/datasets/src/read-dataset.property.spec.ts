import { Readable } from 'node:stream';
import fc from 'fast-check';
import { DATASET_ERROR_CODES, DatasetError } from './errors/dataset-error';
import { collectDataset } from './read-dataset';

const limits = { maxLineBytes: 4096, maxNestingDepth: 16, maxErrors: 20, maxRecords: 50, maxFileBytes: 1 << 16 };

function chunked(bytes: Uint8Array, cuts: number[]): Readable {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(Buffer.from(bytes.subarray(start, p)));
    start = p;
  }
  return Readable.from(parts.filter((p) => p.length > 0));
}

function assertStructured(errors: DatasetError[]): void {
  for (const error of errors) {
    expect(error).toBeInstanceOf(DatasetError);
    expect(DATASET_ERROR_CODES).toContain(error.code);
    expect(typeof error.file).toBe('string');
    expect(typeof error.path).toBe('string');
    expect(error.expected.length).toBeGreaterThan(0);
    if (error.line !== undefined) expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
  }
  expect(errors.length).toBeLessThanOrEqual(limits.maxErrors + 1);
}

// Values shaped like the supported formats, so mutations reach the deep paths of every reader.
const messageArb = fc.record({
  role: fc.constantFrom('system', 'user', 'assistant', 'tool', 'robot'),
  content: fc.oneof(fc.string(), fc.constant(null), fc.array(fc.record({ type: fc.constant('text'), text: fc.string() }))),
  tool_calls: fc.option(fc.array(fc.record({ id: fc.option(fc.string()), type: fc.constant('function'), function: fc.record({ name: fc.string(), arguments: fc.oneof(fc.string(), fc.object()) }) })), { nil: undefined }),
  tool_call_id: fc.option(fc.string(), { nil: undefined }),
  weight: fc.option(fc.integer({ min: -1, max: 2 }), { nil: undefined }),
});
const recordArb = fc.oneof(
  fc.record({ messages: fc.array(messageArb, { maxLength: 5 }), tools: fc.option(fc.anything(), { nil: undefined }) }),
  fc.record({ prompt: fc.string(), completion: fc.oneof(fc.string(), fc.integer()) }),
  fc.record({ conversations: fc.array(fc.record({ from: fc.constantFrom('human', 'gpt', 'function_call', 'observation', 'x'), value: fc.string() }), { maxLength: 5 }) }),
  fc.record({ instruction: fc.anything(), input: fc.anything(), output: fc.anything() }),
  fc.record({ transcript: fc.array(fc.constantFrom('\nNew Input: a', '\nThought: t', '\nAction: calc', '\nAction Input: 1', '\nObservation: o', '\nFinal Answer: f', 'junk'), { maxLength: 8 }).map((p) => p.join('')) }),
  fc.record({ memory: fc.array(fc.record({ sender: fc.constantFrom('user', 'Agent', 'ActionExecutor'), content: fc.anything(), formatted: fc.anything() }), { maxLength: 5 }) }),
  fc.record({ input: fc.anything(), preferred_output: fc.anything(), non_preferred_output: fc.anything() }),
  fc.anything(),
);

// Hundreds of runs each; generous so a loaded CI machine does not turn slowness into a failure.
jest.setTimeout(60_000);

describe('readers never crash and report only structured errors', () => {
  it('on arbitrary bytes, in arbitrary chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom('auto', 'jsonl', 'json', 'csv' as const), async (bytes, cuts, encoding) => {
        const { errors } = await collectDataset(chunked(bytes, cuts), { encoding, limits, csvColumns: { q: 'prompt' } });
        assertStructured(errors);
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary text built from JSON and CSV punctuation', async () => {
    const alphabet = fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '\n', '\r', ' ', 'a', '1', 'prompt', 'messages', 'role');
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { maxLength: 400 }), async (pieces) => {
        const { errors } = await collectDataset(Readable.from([Buffer.from(pieces.join(''))]), { limits });
        assertStructured(errors);
      }),
      { numRuns: 300 },
    );
  });

  it('on format-shaped records as JSONL, JSON arrays and CSV', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 8 }), fc.constantFrom('jsonl', 'json', 'csv'), async (records, encoding) => {
        let text: string;
        if (encoding === 'jsonl') text = records.map((r) => JSON.stringify(r) ?? 'null').join('\n');
        else if (encoding === 'json') text = JSON.stringify(records);
        else text = `messages,prompt\n${records.map((r) => `"${(JSON.stringify(r) ?? '').replace(/"/g, '""')}",x`).join('\n')}`;
        const { records: read, errors } = await collectDataset(Readable.from([Buffer.from(text)]), { limits });
        assertStructured(errors);
        for (const record of read) expect(record.location.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
