import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Conversation } from '../conversation/conversation.schema';
import { tokenizeConversation } from './loss-mask';
import { loadModelTokenizer, type ModelTokenizer } from './model-tokenizer';
import { tokenizePromptCompletion } from './prompt-completion-tokenize';
import { IGNORE_INDEX, actionMask } from './tokenized-sample';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const conversation: Conversation = {
  tools: [weatherTool],
  messages: [
    { role: 'system', content: 'You answer weather questions.' },
    { role: 'user', content: 'Hi there' },
    { role: 'assistant', content: 'Hello! Ask me about the weather.', weight: 0 },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: '{"temp": 18}' },
    { role: 'assistant', content: 'It is 18 °C in Paris.' },
  ],
};

function labeledText(tokenizer: ModelTokenizer, ids: number[], labels: number[]): string {
  return tokenizer.decode(ids.filter((_, i) => labels[i] !== IGNORE_INDEX));
}

describe.each([
  {
    name: 'Qwen2-style (ChatML, <tool_call>)',
    dir: join(__dirname, 'fixtures/qwen2-style'),
    turns: ['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>', 'It is 18 °C in Paris.<|im_end|>'],
  },
  {
    name: 'Llama-3-style (<|start_header_id|>, ipython results)',
    dir: join(__dirname, 'fixtures/llama3-style'),
    turns: ['{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>', 'It is 18 °C in Paris.<|eot_id|>'],
  },
])('loss mask with tools: $name', ({ dir, turns }) => {
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    tokenizer = await loadModelTokenizer(dir);
  });

  it('trains exactly on the assistant turns with weight 1, tool calls included', () => {
    const tokenized = tokenizeConversation(tokenizer, conversation);
    expect(tokenized.input_ids).toHaveLength(tokenized.labels.length);
    expect(labeledText(tokenizer, tokenized.input_ids, tokenized.labels)).toBe(turns.join(''));
    expect(tokenized.spans.map((s) => s.messageIndex)).toEqual([4, 6]);
    tokenized.spans.forEach((span, i) => {
      expect(tokenizer.decode(tokenized.input_ids.slice(span.tokenStart, span.tokenEnd))).toBe(turns[i]);
      expect(tokenized.text.slice(span.charStart, span.charEnd)).toBe(turns[i]);
    });
  });

  it('never trains on system, user, tool-result or weight-0 text, and the whole text survives tokenization', () => {
    const tokenized = tokenizeConversation(tokenizer, conversation);
    expect(tokenizer.decode(tokenized.input_ids)).toBe(tokenized.text);
    const masked = labeledText(tokenizer, tokenized.input_ids, tokenized.labels);
    for (const hidden of ['You answer weather questions.', 'Hi there', 'Hello! Ask me', 'Weather in Paris?', '{"temp": 18}']) {
      expect(masked).not.toContain(hidden);
      expect(tokenized.text).toContain(hidden);
    }
    expect(actionMask(tokenized).filter((m) => m === 1)).toHaveLength(tokenized.spans.reduce((n, s) => n + s.tokenEnd - s.tokenStart, 0));
  });

  it('labels every assistant turn when weights are absent', () => {
    const unweighted: Conversation = { ...conversation, messages: conversation.messages.map((m) => (m.role === 'assistant' ? { ...m, weight: undefined } : m)) };
    delete (unweighted.messages[2] as { weight?: number }).weight;
    const tokenized = tokenizeConversation(tokenizer, unweighted);
    expect(tokenized.spans.map((s) => s.messageIndex)).toEqual([2, 4, 6]);
  });

  it('raw prompt/completion mode trains the completion and the end token only', () => {
    const sample = { prompt: '\nNew Input: Hi!', completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: Hi.' };
    const tokenized = tokenizePromptCompletion(tokenizer, sample);
    expect(labeledText(tokenizer, tokenized.input_ids, tokenized.labels)).toBe(`${sample.completion}${tokenizer.eosToken}`);
  });
});

const tinyModels = join(__dirname, '../../../../tools/tiny-model/models');
describe.each(['tiny-llama', 'tiny-qwen2'].filter((m) => existsSync(join(tinyModels, m, 'tokenizer.json'))))('loss mask with the project tiny model %s', (model) => {
  it('decodes the trained tokens to the assistant turns', async () => {
    const tokenizer = await loadModelTokenizer(join(tinyModels, model));
    const tokenized = tokenizeConversation(tokenizer, conversation);
    expect(tokenized.spans.map((s) => tokenized.text.slice(s.charStart, s.charEnd)).join('')).toBe(labeledText(tokenizer, tokenized.input_ids, tokenized.labels));
    expect(tokenized.spans).toHaveLength(2);
  });
});
