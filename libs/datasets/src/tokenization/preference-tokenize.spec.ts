import { join } from 'node:path';
import type { PreferencePair } from '../conversation/conversation.schema';
import { collectDataset } from '../read-dataset';
import { renderChat } from './chat-template';
import { tokenizeConversation } from './loss-mask';
import { loadModelTokenizer } from './model-tokenizer';
import { tokenizePreference, tokenizePreferenceRecords, truncatePreference } from './preference-tokenize';

const fixtures = join(__dirname, '../formats/fixtures');
const styles = { qwen2: join(__dirname, 'fixtures/qwen2-style'), llama3: join(__dirname, 'fixtures/llama3-style') };

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const stockTool = { type: 'function' as const, function: { name: 'get_stock', description: 'Stock price', parameters: { type: 'object', properties: { symbol: { type: 'string' } } } } };
const call = (name: string, args: object) => ({ role: 'assistant' as const, content: null, tool_calls: [{ id: 'c1', type: 'function' as const, function: { name, arguments: JSON.stringify(args) } }] });
const pair: PreferencePair = {
  input: { messages: [{ role: 'system', content: 'Use the tools.' }, { role: 'user', content: 'Weather in Rome?' }], tools: [weatherTool, stockTool] },
  preferred_output: [call('get_weather', { city: 'Rome' })],
  non_preferred_output: [call('get_stock', { symbol: 'ROME' })],
};

describe.each(Object.entries(styles))('tokenizing a preference pair (%s-style template)', (_style, dir) => {
  it('prompt + output is the SFT rendering of the input continued by that output, tools included, up to the end of its turn', async () => {
    const tokenizer = await loadModelTokenizer(dir);
    const t = tokenizePreference(tokenizer, pair);
    for (const [ids, output] of [[t.chosen_ids, pair.preferred_output], [t.rejected_ids, pair.non_preferred_output]] as const) {
      const sft = tokenizeConversation(tokenizer, { ...pair.input, messages: [...pair.input.messages, ...output] });
      const span = sft.spans.at(-1)!;
      expect([...t.prompt_ids, ...ids]).toEqual(sft.input_ids.slice(0, span.tokenEnd));
      expect(t.prompt_ids.length).toBe(span.tokenStart);
      // The labeled tokens SFT would train on are exactly the continuation.
      expect(ids).toEqual(sft.labels.slice(span.tokenStart, span.tokenEnd));
    }
    // The prompt is the generation prompt of the input rendered with its tools: the model sees them when it chooses.
    const prompt = tokenizer.decode(t.prompt_ids);
    expect(prompt).toBe(renderChat(tokenizer, pair.input.messages, pair.input.tools, { addGenerationPrompt: true }));
    expect(prompt).toContain('get_stock');
    expect(tokenizer.decode(t.chosen_ids)).toContain('get_weather');
    expect(tokenizer.decode(t.rejected_ids)).toContain('get_stock');
  });
});

describe('tokenizing preference records', () => {
  it('tokenizes the fixture pairs; a non-preference record and an output equal to the other are errors at their line', async () => {
    const tokenizer = await loadModelTokenizer(styles.qwen2);
    const { records: pairs } = await collectDataset(join(fixtures, 'openai-preference.jsonl'));
    const { records: chats } = await collectDataset(join(fixtures, 'openai-chat.jsonl'));
    const same = { ...pairs[1], location: { file: 'same.jsonl', line: 7 }, pair: { ...(pairs[1] as Extract<(typeof pairs)[1], { kind: 'preference' }>).pair } };
    same.pair.non_preferred_output = same.pair.preferred_output;
    const result = tokenizePreferenceRecords(tokenizer, [...pairs, chats[0], same], { maxLength: 1024 });
    expect(result.pairs.map((p) => p.location.line)).toEqual([1, 2]);
    expect(result.errors.map((e) => [e.file, e.line, e.path])).toEqual([
      ['openai-chat.jsonl', 1, ''],
      ['same.jsonl', 7, 'non_preferred_output'],
    ]);
    expect(result.errors[0].message).toContain('preference pair');
    expect(result.truncation).toEqual({ pairs: 2, truncated: 0, promptTokensCut: 0, outputTokensCut: 0 });
  });

  it('fits a long pair by cutting the prompt from the left, then the outputs from the right', () => {
    const p = { prompt_ids: [1, 2, 3, 4, 5, 6], chosen_ids: [7, 8], rejected_ids: [9, 10, 11] };
    expect(truncatePreference(p, 9)).toEqual({ pair: p, promptCut: 0, outputCut: 0 });
    expect(truncatePreference(p, 6)).toEqual({ pair: { prompt_ids: [4, 5, 6], chosen_ids: [7, 8], rejected_ids: [9, 10, 11] }, promptCut: 3, outputCut: 0 });
    expect(truncatePreference(p, 3, 1)).toEqual({ pair: { prompt_ids: [6], chosen_ids: [7, 8], rejected_ids: [9, 10] }, promptCut: 5, outputCut: 1 });
  });
});
