import { loadModelTokenizer, renderChat, type ModelTokenizer } from '@tuneforge/datasets';
import { join } from 'node:path';
import type { SequenceOptions } from '../generation/decode-scheduler';
import type { ServedModel } from '../model/served-model';
import { ServedAgentModel } from './served-agent-model';

const TINY_LLAMA = join(__dirname, '..', '..', '..', '..', 'tools/tiny-model/models/tiny-llama');

/**
 * A stand-in served model whose scheduler replays `output` token by token and then ends as `end` says (the engine's
 * end-of-sequence id or its budget), recording what each sequence was given: the generation path around it is real.
 */
function replaying(tokenizer: ModelTokenizer, output: string, end: 'stop' | 'length' = 'stop', maxContext = 4096) {
  const sequences: Array<{ prompt: readonly number[]; options: SequenceOptions }> = [];
  const scheduler = {
    load: { running: 0, waiting: 0, cancelled: 0 },
    async *generate(prompt: readonly number[], options: SequenceOptions) {
      sequences.push({ prompt, options });
      for (const token of tokenizer.encode(output).slice(0, options.maxNewTokens)) yield { token, logprob: -0.5 };
      return end;
    },
  };
  const served = { tokenizer, endOfSequenceIds: [2, 0], toolCallFormat: 'qwen', maxContext, scheduler } as unknown as ServedModel;
  return { served, sequences };
}

describe('ServedAgentModel', () => {
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    tokenizer = await loadModelTokenizer(TINY_LLAMA);
  });

  it('continues a prompt encoded as /v1/completions encodes it, stopping at the model end-of-sequence ids', async () => {
    const { served, sequences } = replaying(tokenizer, 'Thought: yes');
    const out = await new ServedAgentModel(served).generate({ prompt: 'New Input: hi' }, { maxNewTokens: 40, temperature: 0.5, topP: 0.9, seed: 7 });
    // The ids read and generated come with the text (reinforcement trains on exactly these).
    expect(out).toEqual({ text: 'Thought: yes', finishReason: 'eos', promptTokens: tokenizer.encode('New Input: hi', true), tokens: tokenizer.encode('Thought: yes') });
    expect(sequences[0].prompt).toEqual(tokenizer.encode('New Input: hi', true));
    expect(sequences[0].options).toEqual({ maxNewTokens: 40, temperature: 0.5, topP: 0.9, seed: 7, stop: [[2], [0]], topLogprobs: 0 });
  });

  it('renders messages and tools with the chat template and the generation prompt, as /v1/chat/completions does', async () => {
    const { served, sequences } = replaying(tokenizer, 'ok');
    const tools = [{ type: 'function' as const, function: { name: 'calculator', parameters: { type: 'object', properties: { expression: { type: 'string' } } } } }];
    const messages = [{ role: 'user' as const, content: 'What is 2+2?' }];
    await new ServedAgentModel(served).generate({ messages, tools }, {});
    expect(sequences[0].prompt).toEqual(tokenizer.encode(renderChat(tokenizer, messages, tools, { addGenerationPrompt: true })));
    await new ServedAgentModel(served).generate({ messages, tools: [] }, {});
    expect(sequences[1].prompt).toEqual(tokenizer.encode(renderChat(tokenizer, messages, undefined, { addGenerationPrompt: true })));
    // Greedy by default, with the model's default budget.
    expect(sequences[1].options).toMatchObject({ maxNewTokens: 256, temperature: 0, topP: 1, seed: 0 });
  });

  it('cuts the text before the stop string that ended it and says which; empty stop strings are ignored', async () => {
    const { served } = replaying(tokenizer, 'Action: calculator\nObservation: 4 and on');
    const out = await new ServedAgentModel(served).generate({ prompt: 'p' }, { stop: ['', '\nObservation:'] });
    expect(out).toMatchObject({ text: 'Action: calculator', finishReason: 'stop', stop: '\nObservation:' });
    // The tokens of the text that was kept; those of the stop string and after it are not.
    expect(tokenizer.decode(out.tokens)).toBe('Action: calculator');
  });

  it('reports a generation that ran out of budget as length, and cuts the budget to the context left', async () => {
    const { served, sequences } = replaying(tokenizer, 'one two three four five', 'length', 64);
    const out = await new ServedAgentModel(served).generate({ prompt: 'p' }, { maxNewTokens: 1000 });
    expect(out.finishReason).toBe('length');
    expect(sequences[0].options.maxNewTokens).toBe(64 - sequences[0].prompt.length);
    await expect(new ServedAgentModel(served).generate({ prompt: 'word '.repeat(100) }, {})).rejects.toThrow(/leaves no room in the model's context of 64 tokens/);
    expect(() => new ServedAgentModel(served, { maxNewTokens: 0 })).toThrow('maxNewTokens must be a positive integer');
  });
});
