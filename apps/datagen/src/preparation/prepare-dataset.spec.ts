import { loadDefaultConfig } from '@tuneforge/contracts';
import { collectDataset, loadModelTokenizer } from '@tuneforge/datasets';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { toPreparationError } from './preparation-errors';
import { prepareDataset, type PreparationInput } from './prepare-dataset';

const fixtures = join(__dirname, '..', '..', 'test', 'fixtures');
const config = loadDefaultConfig();

async function input(overrides: Partial<PreparationInput> = {}): Promise<PreparationInput> {
  return {
    training: await collectDataset(join(fixtures, 'good-chat.jsonl')),
    trainingFile: 'good-chat.jsonl',
    data: { ...config.data, validationSplit: 0.25, seed: 1 },
    synthesis: { ...config.synthesis, enabled: false },
    tools: [],
    ...overrides,
  };
}

describe('prepareDataset', () => {
  it('splits deterministically by seed and reports on the training side', async () => {
    const a = await prepareDataset(await input());
    const b = await prepareDataset(await input());
    if (!a.ok || !b.ok) throw new Error('expected success');
    expect(a.counts).toEqual({ inputRecords: 12, syntheticRecords: 0, trainRecords: 9, validationRecords: 3 });
    expect(a.train.map((r) => r.location.line)).toEqual(b.train.map((r) => r.location.line));
    expect(a.report.records).toBe(9);
    expect(a.report.leakage?.exact).toBe(0);
  });

  it('refuses the whole dataset when any record is wrong, keeping every error', async () => {
    const result = await prepareDataset(await input({ training: await collectDataset(join(fixtures, 'bad-chat.jsonl')) }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.line)).toEqual([3, 5, 6]);
  });

  it('synthesis needs a usable tool, and adds seeded samples when it has one', async () => {
    const enabled = { ...config.synthesis, enabled: true, samples: 5, seed: 2 };
    const none = await prepareDataset(await input({ synthesis: enabled }));
    expect(none.ok ? [] : none.errors.map((e) => e.toJSON())).toEqual([expect.objectContaining({ path: 'tools', file: '<request>' })]);
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }];
    const withTools = await prepareDataset(await input({ synthesis: enabled, tools }));
    expect(withTools.ok && withTools.counts.syntheticRecords).toBe(5);
  });

  it('uses a given validation file instead of splitting, and refuses mixing record kinds', async () => {
    const validation = await collectDataset(join(fixtures, 'good-chat.jsonl'));
    const given = await prepareDataset(await input({ validation }));
    expect(given.ok && given.counts).toEqual({ inputRecords: 24, syntheticRecords: 0, trainRecords: 12, validationRecords: 12 });
    const promptCompletion = await collectDataset(Readable.from(['{"prompt":"a","completion":"b"}\n']), { file: 'pc.jsonl' });
    const mixed = await prepareDataset(await input({ validation: promptCompletion }));
    expect(mixed.ok).toBe(false);
  });

  it("refuses synthesis.source 'llm' when no endpoint is configured, and uses the templates for 'auto'", async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }];
    const llm = await prepareDataset(await input({ synthesis: { ...config.synthesis, enabled: true, samples: 3, source: 'llm' }, tools }));
    expect(llm.ok ? [] : llm.errors.map((e) => e.toJSON())).toEqual([expect.objectContaining({ file: '<request>', path: 'synthesis.source' })]);
    const auto = await prepareDataset(await input({ synthesis: { ...config.synthesis, enabled: true, samples: 3, source: 'auto' }, tools }));
    expect(auto.ok && auto.synthesis).toMatchObject({ source: 'templates', requested: 3, generated: 3 });
  });

  it('adds token lengths and the truncation rate at data.maxSequenceLength when given a tokenizer', async () => {
    const tokenizer = await loadModelTokenizer(join(__dirname, '..', '..', '..', '..', 'tools', 'tiny-model', 'models', 'tiny-qwen2'));
    const plain = await prepareDataset(await input());
    expect(plain.ok && plain.report.tokenLengths).toBeUndefined();
    const base = await input({ tokenizer });
    const result = await prepareDataset({ ...base, data: { ...base.data, maxSequenceLength: 16 } });
    if (!result.ok) throw new Error('expected success');
    expect(result.report.tokenLengths?.count).toBe(9);
    expect(result.report.truncation).toMatchObject({ samples: 9, truncated: 9, truncationRate: 1 });
  });

  describe('the training objective', () => {
    const preferenceFixture = join(__dirname, '..', '..', '..', '..', 'libs', 'datasets', 'src', 'formats', 'fixtures', 'openai-preference.jsonl');
    const tinyQwen2 = join(__dirname, '..', '..', '..', '..', 'tools', 'tiny-model', 'models', 'tiny-qwen2');

    it('a DPO job takes preference pairs, tokenized as the pod will (tools included); a chat file is refused at its first line', async () => {
      const tokenizer = await loadModelTokenizer(tinyQwen2);
      const pairs = await collectDataset(preferenceFixture, { file: 'pairs.jsonl' });
      const ok = await prepareDataset(await input({ training: pairs, trainingFile: 'pairs.jsonl', validation: pairs, objective: 'dpo', tokenizer }));
      if (!ok.ok) throw new Error(`expected success: ${ok.errors.map((e) => e.message).join('; ')}`);
      expect(ok.kind).toBe('preference');
      expect(ok.report.tokenLengths?.count).toBe(2);
      const chat = await prepareDataset(await input({ objective: 'dpo' }));
      expect(chat.ok ? [] : chat.errors.map(toPreparationError)).toEqual([
        expect.objectContaining({ code: 'invalid_record', line: 1, expected: expect.stringContaining("DPO job (method.type 'dpo')"), received: 'a chat conversation' }),
      ]);
    });

    it('a supervised job refuses preference pairs, naming method dpo', async () => {
      const pairs = await collectDataset(preferenceFixture, { file: 'pairs.jsonl' });
      for (const objective of ['sft', undefined] as const) {
        const result = await prepareDataset(await input({ training: pairs, trainingFile: 'pairs.jsonl', objective }));
        expect(result.ok ? [] : result.errors.map(toPreparationError)).toEqual([expect.objectContaining({ file: 'pairs.jsonl', line: 1, expected: expect.stringContaining("method.type 'dpo'") })]);
      }
    });

    it('a pair the template cannot render for preference training is refused with its line', async () => {
      const tokenizer = await loadModelTokenizer(tinyQwen2);
      const line = (content: string) => ({ input: { messages: [{ role: 'user', content: 'Hi' }] }, preferred_output: [{ role: 'assistant', content }], non_preferred_output: [{ role: 'assistant', content }] });
      const training = await collectDataset(Readable.from([[line('a'), line('b'), { ...line('c'), non_preferred_output: [{ role: 'assistant', content: 'd' }] }].map((l) => JSON.stringify(l)).join('\n') + '\n']), { file: 'same.jsonl' });
      const result = await prepareDataset(await input({ training, trainingFile: 'same.jsonl', objective: 'dpo', tokenizer, data: { ...config.data, validationSplit: 0 } }));
      expect(result.ok ? [] : result.errors.map((e) => [e.line, e.path])).toEqual([
        [1, 'non_preferred_output'],
        [2, 'non_preferred_output'],
      ]);
    });
  });

  describe('ReAct data, whatever format was named or detected', () => {
    const tools = 'Tools available:\n> calculator: Evaluates an arithmetic expression.';
    const toolStep = { prompt: `${tools}\nNew Input: 12 * 7?`, completion: '\nThought: Do I need to use a tool? Yes.\nAction: calculator\nAction Input: 12 * 7\nObservation:' };
    const answerStep = { prompt: `${toolStep.prompt}${toolStep.completion} 84`, completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: 84.' };
    const jsonl = (...lines: object[]) => Readable.from([lines.map((l) => JSON.stringify(l)).join('\n') + '\n']);
    const read = async (format: 'auto' | 'prompt_completion', ...lines: object[]) => collectDataset(jsonl(...lines), { file: 'react.jsonl', format });

    it.each(['auto', 'prompt_completion'] as const)('refuses a completion that goes on after \\nObservation: (format %s), naming the line', async (format) => {
      const invented = { ...toolStep, completion: `${toolStep.completion} 84\nThought: Do I need to use a tool? No.\nFinal Answer: 84.` };
      const result = await prepareDataset(await input({ training: await read(format, toolStep, invented, answerStep, toolStep), trainingFile: 'react.jsonl' }));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors.map(toPreparationError)).toEqual([
        {
          code: 'rule_violation',
          file: 'react.jsonl',
          line: 2,
          field: 'completion',
          expected: 'a ReAct completion that ends at "\\nObservation:" (the tool\'s output belongs in the next step\'s prompt)',
          received: '"\\nObservation: 84\\nThought: Do I need to use a tool? No.\\nFinal Answer: 84."',
        },
      ]);
      expect(result.errors[0].message).toMatch(/^react\.jsonl, line 2 at completion: expected a ReAct completion that ends at "\\nObservation:"/);
    });

    it('accepts the quick start dataset, whose tool steps end at \\nObservation:, and "Observation:" in data that is not ReAct', async () => {
      const quickstart = join(__dirname, '..', '..', '..', '..', 'apps', 'platform', 'quickstart', 'react-tools.jsonl');
      const react = await prepareDataset(await input({ training: await collectDataset(quickstart), trainingFile: 'react-tools.jsonl' }));
      expect(react.ok ? react.kind : react.errors.map((e) => e.message)).toBe('prompt_completion');
      const notes = await read('auto', { prompt: 'Ward round, bed 3.', completion: 'Stable overnight.\nObservation: afebrile, eating well.' }, { prompt: 'Bed 4.', completion: 'Discharged.' });
      expect((await prepareDataset(await input({ training: notes, trainingFile: 'react.jsonl' }))).ok).toBe(true);
    });
  });
});
