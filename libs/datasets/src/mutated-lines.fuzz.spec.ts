import { Readable } from 'node:stream';
import { collectDataset } from './read-dataset';

// The fuzz of dataset lines (#18): 10 000 lines of a valid chat-format training file, each broken one to
// three times the way files really break (a byte flipped, a line cut short, a field dropped or given another
// type, a role misspelled, quotes unbalanced), read through the chat reader at once. What a user needs: the reader
// neither throws nor stops early, and every line is accounted for: read as a record, or reported as an error that
// names its line (a file that "loses" a line silently trains on less than its author thinks).

const LINES = 10_000;

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validLine(i: number): Record<string, unknown> {
  const call = { id: `call_${i}`, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city: `City ${i}` }) } };
  return {
    messages: [
      { role: 'system', content: 'You answer with tools.' },
      { role: 'user', content: `Weather in City ${i}?` },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: `call_${i}`, content: `${i % 30} degrees` },
      { role: 'assistant', content: `It is ${i % 30} degrees.`, weight: i % 2 },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
  };
}

function mutatedLine(i: number, rnd: () => number): string {
  const record = validLine(i);
  const messages = record.messages as Array<Record<string, unknown>>;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const structural = [
    () => delete messages[Math.floor(rnd() * messages.length)].role,
    () => (messages[Math.floor(rnd() * messages.length)].role = pick(['robot', '', 'Assistant', 42, null])),
    () => (messages[Math.floor(rnd() * messages.length)].content = pick([7, { a: 1 }, [1, 2], true])),
    () => (messages[2].tool_calls = pick(['x', [{}], [{ type: 'function' }], null])),
    () => (messages[3].tool_call_id = pick(['call_other', 5, ''])),
    () => (messages[4].weight = pick([2, -1, 'yes', 0.5])),
    () => (record.tools = pick(['none', [{ type: 'function' }], {}])),
    () => (record.messages = pick([[], 'text', null, messages.slice(0, 2)])),
    () => {},
  ];
  for (let n = Math.floor(rnd() * 3); n >= 0; n--) pick(structural)();
  let text = JSON.stringify(record);
  const textual = [
    (s: string) => s.slice(0, Math.floor(rnd() * s.length)),
    (s: string) => {
      const at = Math.floor(rnd() * s.length);
      return s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 128)) + s.slice(at + 1);
    },
    (s: string) => s.replace('"', ''),
    (s: string) => s,
    (s: string) => s,
  ];
  text = pick(textual)(text);
  // A line must stay one line: a newline a mutation wrote would change the numbering this test checks.
  return text.replace(/[\r\n]/g, ' ');
}

describe('10 000 mutated chat-format lines', () => {
  it('are each read as a record or reported with their line number, without a throw', async () => {
    const rnd = random(20_261_207);
    const lines = Array.from({ length: LINES }, (_, i) => mutatedLine(i, rnd));
    const limits = { maxErrors: LINES * 20, maxRecords: LINES, maxFileBytes: 1 << 30 };
    const { records, errors } = await collectDataset(Readable.from([Buffer.from(lines.join('\n') + '\n')]), { file: 'train.jsonl', format: 'openai_chat', encoding: 'jsonl', limits });

    const read = new Set(records.map((r) => r.location.line));
    const refused = new Set(errors.map((e) => e.line));
    expect(refused.has(undefined)).toBe(false);
    const blank = lines.flatMap((line, i) => (line.trim() === '' ? [i + 1] : []));
    for (let line = 1; line <= LINES; line++) {
      if (blank.includes(line)) continue;
      // Exactly one of the two.
      expect([line, read.has(line), refused.has(line)]).toEqual([line, !refused.has(line), !read.has(line)]);
    }
    for (const error of errors) expect(error.file).toBe('train.jsonl');
    // The mutations leave some lines valid and break most: both outcomes are exercised.
    expect(records.length).toBeGreaterThan(100);
    expect(refused.size).toBeGreaterThan(LINES / 2);
  }, 120_000);
});
