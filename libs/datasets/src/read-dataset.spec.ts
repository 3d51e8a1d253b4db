import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Conversation } from './conversation/conversation.schema';
import type { DatasetFormat, DatasetRecord } from './conversation/dataset-record';
import { collectDataset, readDataset } from './read-dataset';
import { conversationToOpenAIJson, writeOpenAIJsonl, type OpenAIWritable } from './writers/openai-jsonl-writer';
import { writeReactJsonl } from './writers/react-jsonl-writer';

const fixture = (name: string) => join(__dirname, 'formats/fixtures', name);
const csvColumns = { question: 'prompt', answer: 'completion' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'datasets-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openAIWritable(records: DatasetRecord[]): OpenAIWritable[] {
  return records.flatMap((r): OpenAIWritable[] => (r.kind === 'conversation' ? [{ kind: 'conversation', conversation: r.conversation }] : r.kind === 'preference' ? [{ kind: 'preference', pair: r.pair }] : []));
}

describe.each<[string, DatasetFormat, number[]]>([
  ['openai-chat.jsonl', 'openai_chat', [1, 2, 4]],
  ['openai-chat.csv', 'openai_chat', [2, 3]],
  ['openai-preference.jsonl', 'openai_preference', [1, 2]],
  ['sharegpt.json', 'sharegpt', [2, 24]],
  ['alpaca.jsonl', 'alpaca', [1, 2]],
  ['react-transcripts.jsonl', 'react_transcript', [1, 2, 3]],
  ['lagent-memory.jsonl', 'lagent_memory', [1, 2]],
  ['agentfly-trajectories.jsonl', 'agentfly_trajectory', [1, 2]],
])('%s', (file, format, lines) => {
  it(`is detected as ${format}, read without errors, and round-trips through OpenAI JSONL`, async () => {
    const { records, errors } = await collectDataset(fixture(file));
    expect(errors).toEqual([]);
    expect(records.map((r) => r.format)).toEqual(lines.map(() => format));
    expect(records.map((r) => r.location.line)).toEqual(lines);

    const out = join(dir, `${file}.openai.jsonl`);
    await writeOpenAIJsonl(out, openAIWritable(records));
    const reread = await collectDataset(out);
    expect(reread.errors).toEqual([]);
    const strip = (r: DatasetRecord) => (r.kind === 'conversation' ? conversationToOpenAIJson(r.conversation) : r.kind === 'preference' ? r.pair : r.sample);
    expect(reread.records.map(strip)).toEqual(records.map((r) => JSON.parse(JSON.stringify(strip(r)))));
  });
});

describe('normalization details', () => {
  it('keeps tool calls, weights and parallel_tool_calls of OpenAI chat and joins content parts', async () => {
    const { records } = await collectDataset(fixture('openai-chat.jsonl'));
    const [first, second] = records.map((r) => (r.kind === 'conversation' ? r.conversation : undefined)) as Conversation[];
    expect(first.parallel_tool_calls).toBe(true);
    expect(first.messages[2]).toMatchObject({ role: 'assistant', content: null, tool_calls: [{ id: 'call_a', function: { name: 'get_weather' } }] });
    expect(second.messages[1]).toMatchObject({ role: 'assistant', weight: 0 });
    expect(second.messages[2]).toEqual({ role: 'user', content: 'Compute 2+2 and 3*3.' });
  });

  it('turns AgentFly trajectories into paired tool calls without the rendered copy of the call', async () => {
    const { records } = await collectDataset(fixture('agentfly-trajectories.jsonl'));
    const conversation = (records[0] as Extract<DatasetRecord, { kind: 'conversation' }>).conversation;
    expect(conversation.messages).toEqual([
      { role: 'user', content: 'What is the result of 1 + 1?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"1 + 1"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '2' },
      { role: 'assistant', content: 'The result of 1 + 1 is 2.' },
    ]);
  });

  it('turns a Lagent code-interpreter action into a tool call and the executor output into its result', async () => {
    const { records } = await collectDataset(fixture('lagent-memory.jsonl'));
    const conversation = (records[0] as Extract<DatasetRecord, { kind: 'conversation' }>).conversation;
    expect(conversation.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(conversation.messages[2]).toMatchObject({ content: 'Compute it.\n', tool_calls: [{ function: { name: 'code_interpreter', arguments: '{"command":"print(abs(7-1))"}' } }] });
  });

  it('parses ReAct transcripts: free-text Action Input travels as {input}, thoughts as reasoning', async () => {
    const { records } = await collectDataset(fixture('react-transcripts.jsonl'));
    const third = (records[2] as Extract<DatasetRecord, { kind: 'conversation' }>).conversation;
    expect(third.messages).toEqual([
      { role: 'user', content: 'What is 6*7?' },
      { role: 'assistant', content: null, reasoning: 'I should calculate.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'calculator', arguments: '{"input":"6*7"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '42' },
      { role: 'assistant', content: '42', reasoning: 'I know the answer.' },
    ]);
  });

  it('maps CSV headers to fields and counts data rows apart from lines', async () => {
    const { records, errors } = await collectDataset(fixture('prompt-completion.csv'), { csvColumns });
    expect(errors).toEqual([]);
    expect(records.map((r) => [r.location.line, r.location.row])).toEqual([[2, 1], [3, 2], [5, 3]]);
    expect(records[1]).toMatchObject({ kind: 'prompt_completion', sample: { prompt: 'Quote: "hello, world"', completion: 'multi\nline, answer' } });
  });
});

describe('prompt/completion round trip', () => {
  it('writes ReAct JSONL that reads back identically', async () => {
    const { records } = await collectDataset(fixture('prompt-completion.jsonl'));
    const out = join(dir, 'react.jsonl');
    await writeReactJsonl(out, records.flatMap((r) => (r.kind === 'prompt_completion' ? [{ kind: 'prompt_completion' as const, sample: r.sample }] : [])));
    const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines(out)).toEqual(lines(fixture('prompt-completion.jsonl')));
  });

  it('renders a ReAct transcript back to the prompt/completion samples of reference 000', async () => {
    const { records } = await collectDataset(fixture('react-transcripts.jsonl'));
    const out = join(dir, 'transcripts-react.jsonl');
    await writeReactJsonl(out, records.flatMap((r) => (r.kind === 'conversation' ? [{ kind: 'conversation' as const, conversation: r.conversation }] : [])));
    const { records: samples, errors } = await collectDataset(out);
    expect(errors).toEqual([]);
    expect(samples.map((s) => (s.kind === 'prompt_completion' ? s.sample : undefined))).toEqual([
      { prompt: "\nNew Input: What's the weather in Oslo?", completion: '\nThought: Do I need to use a tool? Yes.\nAction: get_weather\nAction Input: {"city":"Oslo"}\nObservation:' },
      { prompt: "\nNew Input: What's the weather in Oslo?\nThought: Do I need to use a tool? Yes.\nAction: get_weather\nAction Input: {\"city\":\"Oslo\"}\nObservation: 3 degrees", completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: It is 3 degrees in Oslo.' },
      { prompt: 'Answer the user.\nNew Input: Hi!', completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: Hi. How are you?' },
      { prompt: '\nNew Input: What is 6*7?', completion: '\nThought: I should calculate.\nAction: calculator\nAction Input: 6*7\nObservation:' },
      { prompt: '\nNew Input: What is 6*7?\nThought: I should calculate.\nAction: calculator\nAction Input: 6*7\nObservation: 42', completion: '\nThought: I know the answer.\nFinal Answer: 42' },
    ]);
  });
});

describe.each<[string, Array<{ line: number; row?: number; path: string; code: string }>]>([
  [
    'openai-chat.malformed.jsonl',
    [
      { line: 2, path: '', code: 'invalid_json' },
      { line: 3, path: 'messages[0].role', code: 'invalid_record' },
      { line: 4, path: 'messages[2].tool_calls[0].function.arguments', code: 'invalid_record' },
      { line: 5, path: 'messages[3].tool_call_id', code: 'invalid_record' },
      { line: 5, path: 'messages[4]', code: 'invalid_record' },
      { line: 6, path: 'messages[1].weight', code: 'invalid_record' },
      { line: 7, path: 'messages', code: 'invalid_record' },
    ],
  ],
  [
    'openai-preference.malformed.jsonl',
    [
      { line: 2, path: 'preferred_output[0].tool_calls[0].function.name', code: 'invalid_record' },
      { line: 3, path: 'preferred_output', code: 'invalid_record' },
      // No preferred_output at all, and two assistant messages in one output.
      { line: 4, path: 'preferred_output', code: 'invalid_record' },
      { line: 5, path: 'preferred_output', code: 'invalid_record' },
    ],
  ],
  [
    'prompt-completion.malformed.jsonl',
    [
      { line: 2, path: 'completion', code: 'invalid_record' },
      { line: 3, path: 'completion', code: 'invalid_record' },
    ],
  ],
  [
    'prompt-completion.malformed.csv',
    [
      { line: 3, row: 2, path: '', code: 'invalid_csv' },
      { line: 4, row: 3, path: '', code: 'invalid_csv' },
      { line: 5, row: 4, path: '', code: 'invalid_csv' },
      { line: 7, row: 6, path: '', code: 'invalid_csv' },
    ],
  ],
  [
    'sharegpt.malformed.json',
    [
      { line: 22, path: 'conversations[1].from', code: 'invalid_record' },
      { line: 34, path: 'conversations[1].value', code: 'invalid_record' },
    ],
  ],
  [
    'alpaca.malformed.jsonl',
    [
      { line: 2, path: 'output', code: 'invalid_record' },
      { line: 3, path: 'history[0]', code: 'invalid_record' },
    ],
  ],
  [
    'react-transcripts.malformed.jsonl',
    [
      { line: 2, path: 'transcript.steps[2]', code: 'invalid_record' },
      { line: 3, path: 'transcript', code: 'invalid_record' },
    ],
  ],
  [
    'lagent-memory.malformed.jsonl',
    [
      { line: 2, path: 'memory[1].sender', code: 'invalid_record' },
      { line: 3, path: 'memory[0]', code: 'invalid_record' },
    ],
  ],
  [
    'agentfly-trajectories.malformed.jsonl',
    [
      { line: 2, path: 'messages[1].tool_call_id', code: 'invalid_record' },
      { line: 3, path: 'messages[1].tool_calls[0].function', code: 'invalid_record' },
    ],
  ],
])('malformed %s', (file, expected) => {
  it('keeps the good first record and rejects the others with their line and field', async () => {
    const { records, errors } = await collectDataset(fixture(file), { csvColumns });
    expect(records.map((r) => r.location.line)).toContain(1 + (file.endsWith('.csv') ? 1 : file.endsWith('.json') ? 1 : 0));
    expect(errors.map((e) => ({ line: e.line, ...(e.row !== undefined ? { row: e.row } : {}), path: e.path, code: e.code }))).toEqual(expected);
    for (const error of errors) expect(error.file).toBe(file);
  });
});

describe('caps and fatal errors', () => {
  const stream = (text: string) => Readable.from([Buffer.from(text)]);
  const line = JSON.stringify({ prompt: 'p', completion: 'c' });

  it('refuses a file over the size cap', async () => {
    const { errors } = await collectDataset(stream(`${line}\n`.repeat(100)), { limits: { maxFileBytes: 500 } });
    expect(errors.at(-1)).toMatchObject({ code: 'file_too_large' });
  });

  it('reports an over-long line and keeps reading after it', async () => {
    const long = JSON.stringify({ prompt: 'x'.repeat(2000), completion: 'c' });
    const { records, errors } = await collectDataset(stream(`${line}\n${long}\n${line}\n`), { limits: { maxLineBytes: 1000 } });
    expect(errors.map((e) => [e.code, e.line])).toEqual([['line_too_long', 2]]);
    expect(records.map((r) => r.location.line)).toEqual([1, 3]);
  });

  it('stops at the record cap', async () => {
    const { records, errors } = await collectDataset(stream(`${line}\n`.repeat(10)), { limits: { maxRecords: 3 } });
    expect(records).toHaveLength(3);
    expect(errors).toEqual([expect.objectContaining({ code: 'too_many_records', line: 4 })]);
  });

  it('refuses deep nesting before parsing it', async () => {
    const deep = `{"prompt": ${'['.repeat(100)}${']'.repeat(100)}, "completion": "c"}`;
    const { errors } = await collectDataset(stream(`${line}\n${deep}\n`), { limits: { maxNestingDepth: 10 } });
    expect(errors).toEqual([expect.objectContaining({ code: 'nesting_too_deep', line: 2 })]);
  });

  it('collects errors up to the cap, then stops', async () => {
    const { errors } = await collectDataset(stream(`${line}\n${'{"prompt": "p", "completion": 1}\n'.repeat(50)}`), { limits: { maxErrors: 5 } });
    expect(errors).toHaveLength(6);
    expect(errors.slice(0, 5).map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(errors[5].code).toBe('too_many_errors');
  });

  it('names an unknown format', async () => {
    const { errors } = await collectDataset(stream('{"foo": 1}\n{"bar": 2}\n'));
    expect(errors).toEqual([expect.objectContaining({ code: 'unknown_format', line: 1 })]);
  });

  it('reports a broken JSON array with its line', async () => {
    const { records, errors } = await collectDataset(stream(`[\n${line},\n${line}\n`));
    expect(records).toHaveLength(2);
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_json', line: 4 })]);
  });

  it('reads a file split into one-byte chunks the same as in one piece', async () => {
    const text = readFileSync(fixture('sharegpt.json'));
    const bytes = Readable.from([...text].map((b) => Buffer.from([b])));
    const whole = await collectDataset(fixture('sharegpt.json'));
    const split = await collectDataset(bytes, { file: 'sharegpt.json' });
    expect(split).toEqual(whole);
  });
});

describe('streaming', () => {
  it('reads a large stream record by record', async () => {
    const lines = 50_000;
    async function* generate(): AsyncGenerator<string> {
      for (let i = 0; i < lines; i++) yield `${JSON.stringify({ prompt: `q${i}`, completion: `a${i}` })}\n`;
    }
    let count = 0;
    let last = 0;
    for await (const event of readDataset(generate(), { file: 'big.jsonl' })) {
      expect('record' in event).toBe(true);
      if ('record' in event) last = event.record.location.line;
      count++;
    }
    expect(count).toBe(lines);
    expect(last).toBe(lines);
  });
});
