import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Conversation } from '../conversation/conversation.schema';
import { renderChat } from './chat-template';
import { defaultToolCallText, defaultToolsBlock } from './default-tool-format';
import { tokenizeConversation } from './loss-mask';
import { createModelTokenizer, loadModelTokenizer, type TokenizerConfig } from './model-tokenizer';
import { IGNORE_INDEX } from './tokenized-sample';

// SmolLM2-135M-Instruct's chat template: ChatML with no notion of tools.
const SMOLLM2_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const fixture = join(__dirname, 'fixtures/qwen2-style');
const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const conversation: Conversation = {
  tools: [weather],
  messages: [
    { role: 'system', content: 'You answer weather questions.' },
    { role: 'user', content: 'Weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: '18' },
    { role: 'tool', tool_call_id: 'c2', content: '21' },
    { role: 'assistant', content: 'Paris 18, Rome 21.' },
  ],
};

function smolTokenizer() {
  const json = JSON.parse(readFileSync(join(fixture, 'tokenizer.json'), 'utf8')) as object;
  const config = JSON.parse(readFileSync(join(fixture, 'tokenizer_config.json'), 'utf8')) as TokenizerConfig;
  return createModelTokenizer(json, { ...config, chat_template: SMOLLM2_TEMPLATE });
}

describe('the default tool format (templates without tool support)', () => {
  it('puts the tools in the system message, calls as <tool_call> lines and results in one user turn', () => {
    const text = renderChat(smolTokenizer(), conversation.messages, conversation.tools);
    const calls = [defaultToolCallText('get_weather', { city: 'Paris' }), defaultToolCallText('get_weather', { city: 'Rome' })].join('\n');
    expect(text).toBe(
      `<|im_start|>system\nYou answer weather questions.\n\n${defaultToolsBlock([weather])}<|im_end|>\n` +
        '<|im_start|>user\nWeather in Paris and Rome?<|im_end|>\n' +
        `<|im_start|>assistant\n${calls}<|im_end|>\n` +
        '<|im_start|>user\n<tool_response>\n18\n</tool_response>\n<tool_response>\n21\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\nParis 18, Rome 21.<|im_end|>\n',
    );
    expect(defaultToolCallText('get_weather', { city: 'Paris' })).toBe('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>');
  });

  it('makes the system message when there is none, replacing the template default', () => {
    const text = renderChat(smolTokenizer(), [{ role: 'user', content: 'hi' }], [weather], { addGenerationPrompt: true });
    expect(text.startsWith(`<|im_start|>system\n${defaultToolsBlock([weather])}<|im_end|>\n<|im_start|>user\nhi`)).toBe(true);
    expect(text.endsWith('<|im_start|>assistant\n')).toBe(true);
  });

  it('is what training labels: the tool-call turn in the default format', () => {
    const tokenizer = smolTokenizer();
    const tokenized = tokenizeConversation(tokenizer, conversation);
    const first = tokenized.spans[0];
    expect(tokenizer.decode(tokenized.input_ids.slice(first.tokenStart, first.tokenEnd))).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>');
    expect(tokenized.labels.filter((label) => label !== IGNORE_INDEX).length).toBeGreaterThan(0);
  });

  it('is Qwen2.5\'s own rendering, so a Qwen-style template renders the same text natively', async () => {
    const qwen = await loadModelTokenizer(fixture);
    expect(renderChat(qwen, conversation.messages, conversation.tools)).toBe(renderChat(smolTokenizer(), conversation.messages, conversation.tools));
  });

  it('leaves a template that renders tools its own way alone', async () => {
    const llama = await loadModelTokenizer(join(__dirname, 'fixtures/llama3-style'));
    const text = renderChat(llama, conversation.messages, conversation.tools);
    expect(text).toContain('{"name": "get_weather", "parameters": {"city": "Paris"}}');
    expect(text).not.toContain('<tools>');
  });
});
