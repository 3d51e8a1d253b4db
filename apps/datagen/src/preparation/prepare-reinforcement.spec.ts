import { Readable } from 'node:stream';
import { prepareReinforcement } from './prepare-reinforcement';

const body = (lines: unknown[]) => Readable.from([Buffer.from(lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n'))]);
const prompt = (question: string, answer: string) => ({ messages: [{ role: 'user', content: question }], answer, expected_call: { name: 'calculator', arguments: { expression: question } } });

describe('reinforcement data preparation', () => {
  it('keeps each line as written for the grader, the validation file as the held-out set', async () => {
    const train = [prompt('2 + 2', '4'), prompt('3 * 5', '15')];
    const prepared = await prepareReinforcement({ training: { key: 'train.jsonl', body: body(train) }, validation: { key: 'valid.jsonl', body: body([prompt('9 - 1', '8')]) }, synthesisEnabled: false });
    if (!prepared.ok) throw new Error(prepared.errors.map((e) => e.message).join('\n'));
    expect(prepared.rawLines).toEqual({ train, validation: [prompt('9 - 1', '8')] });
    expect(prepared.counts).toEqual({ inputRecords: 3, syntheticRecords: 0, trainRecords: 2, validationRecords: 1 });
    expect(prepared.report).toBeDefined();
  });

  it('refuses lines that break the format, naming file, line and field, and a job without a validation file', async () => {
    const bad = [prompt('2 + 2', '4'), { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }];
    const prepared = await prepareReinforcement({ training: { key: 'train.jsonl', body: body(bad) }, validation: { key: 'valid.jsonl', body: body(['not json']) }, synthesisEnabled: false });
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.errors.map((e) => [e.file, e.line, e.path])).toEqual([
      ['train.jsonl', 2, 'messages[1].role'],
      ['valid.jsonl', 1, ''],
    ]);
    const alone = await prepareReinforcement({ training: { key: 'train.jsonl', body: body([prompt('1', '1')]) }, synthesisEnabled: false });
    expect(!alone.ok && alone.errors[0].expected).toContain('a validation file');
  });
});
