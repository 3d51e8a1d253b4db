import { detectToolCallFormat } from '@tuneforge/agents';
import type { ChatCompletionRequest } from '@tuneforge/contracts';
import { createModelTokenizer, loadModelTokenizer, renderChat, type Message, type ModelTokenizer, type TokenizerConfig } from '@tuneforge/datasets';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidToolCallError } from '../errors/inference-errors';
import { buildChatPrompt } from './chat-prompt';
import { readAssistantOutput, showableContentLength } from './tool-call-output';

const ROOT = join(__dirname, '..', '..', '..', '..');
const TINY_LLAMA = join(ROOT, 'tools/tiny-model/models/tiny-llama');
// SmolLM2-135M-Instruct's template: no tool support, so libs/datasets' default Hermes format applies.
const SMOLLM2_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const clock = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };
const history: Message[] = [
  { role: 'system', content: 'You answer weather questions.' },
  { role: 'user', content: 'Weather in Paris?' },
];
const call: Message = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] };

function tinyLlamaWith(template: string): ModelTokenizer {
  const json = JSON.parse(readFileSync(join(TINY_LLAMA, 'tokenizer.json'), 'utf8')) as object;
  const config = JSON.parse(readFileSync(join(TINY_LLAMA, 'tokenizer_config.json'), 'utf8')) as TokenizerConfig;
  return createModelTokenizer(json, { ...config, chat_template: template });
}

function request(extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return { model: 'm', messages: history as ChatCompletionRequest['messages'], tools: [weather, clock], ...extra };
}

/** What a model trained on `call` generates after the prompt: the turn as training rendered it, up to its end-of-turn token. */
function trainedOutput(tokenizer: ModelTokenizer): string {
  const prompt = renderChat(tokenizer, history, [weather, clock], { addGenerationPrompt: true });
  const through = renderChat(tokenizer, [...history, call], [weather, clock]);
  expect(through.startsWith(prompt)).toBe(true);
  const turn = through.slice(prompt.length);
  return turn.slice(0, turn.indexOf(tokenizer.eosToken!));
}

describe.each([
  ['a template with tools (Qwen2.5 style, tiny-llama)', () => loadModelTokenizer(TINY_LLAMA), 'qwen'],
  ['a template without tools (SmolLM2): the default Hermes format', async () => tinyLlamaWith(SMOLLM2_TEMPLATE), 'qwen'],
  ['a template writing JSON calls (Llama-3.1 style)', () => loadModelTokenizer(join(ROOT, 'libs/datasets/src/tokenization/fixtures/llama3-style')), 'openai-json'],
])('prompt and tool calls round trip: %s', (_, load, format) => {
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    tokenizer = await load();
  });

  it('renders the request exactly as training rendered the conversation before the call', () => {
    const prompt = buildChatPrompt(tokenizer, request());
    expect(tokenizer.decode(prompt.tokens)).toBe(renderChat(tokenizer, history, [weather, clock], { addGenerationPrompt: true }));
    expect(prompt.prefill).toBe('');
    expect(detectToolCallFormat(tokenizer)).toBe(format);
  });

  it('reads back the call a model trained on the rendering writes', () => {
    const output = readAssistantOutput(trainedOutput(tokenizer), detectToolCallFormat(tokenizer), buildChatPrompt(tokenizer, request()), true);
    expect(output).toMatchObject({ kind: 'tool_calls', calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] });
    if (output.kind === 'tool_calls') expect(output.calls[0].id).toMatch(/^call_/);
  });

  it('starts a named tool call in the prompt, and the rest of the trained turn completes it', () => {
    const prompt = buildChatPrompt(tokenizer, request({ tool_choice: { type: 'function', function: { name: 'get_weather' } } }));
    const trained = trainedOutput(tokenizer);
    expect(prompt.prefill.length).toBeGreaterThan(0);
    expect(trained.startsWith(prompt.prefill)).toBe(true);
    expect(tokenizer.decode(prompt.tokens).endsWith(prompt.prefill)).toBe(true);
    const output = readAssistantOutput(trained.slice(prompt.prefill.length), detectToolCallFormat(tokenizer), prompt, true);
    expect(output).toMatchObject({ kind: 'tool_calls', calls: [{ function: { name: 'get_weather' } }] });
  });

  it('removes the tools for tool_choice none, and reads the output as text', () => {
    const prompt = buildChatPrompt(tokenizer, request({ tool_choice: 'none' }));
    expect(tokenizer.decode(prompt.tokens)).toBe(renderChat(tokenizer, history, undefined, { addGenerationPrompt: true }));
    expect(readAssistantOutput(trainedOutput(tokenizer), detectToolCallFormat(tokenizer), prompt, true)).toEqual({ kind: 'text', content: trainedOutput(tokenizer) });
  });
});

describe('what a tool-call output is checked for', () => {
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    tokenizer = await loadModelTokenizer(TINY_LLAMA);
  });
  const block = (name: string, args: object) => `<tool_call>\n${JSON.stringify({ name, arguments: args })}\n</tool_call>`;

  it('keeps text and invalid calls as text under tool_choice auto', () => {
    const prompt = buildChatPrompt(tokenizer, request());
    expect(readAssistantOutput('It is sunny.', 'qwen', prompt, true)).toEqual({ kind: 'text', content: 'It is sunny.' });
    expect(readAssistantOutput(block('get_weather', { town: 3 }), 'qwen', prompt, true).kind).toBe('text');
    expect(readAssistantOutput(block('launch_rocket', {}), 'qwen', prompt, true).kind).toBe('text');
    expect(readAssistantOutput('<tool_call>\n{"name": "get_weather"', 'qwen', prompt, true).kind).toBe('text');
  });

  it('refuses an output without a valid call when the request requires one', () => {
    const prompt = buildChatPrompt(tokenizer, request({ tool_choice: 'required' }));
    expect(() => readAssistantOutput('sunny', 'qwen', prompt, true)).toThrow(InvalidToolCallError);
    const named = buildChatPrompt(tokenizer, request({ tool_choice: { type: 'function', function: { name: 'get_time' } } }));
    expect(() => readAssistantOutput('{"city": "Oslo"}}\n</tool_call>', 'qwen', { ...named, prefill: '<tool_call>\n{"name": "get_weather", "arguments": ' }, true)).toThrow(/not get_time/);
  });

  it('keeps one call when parallel_tool_calls is false', () => {
    const prompt = buildChatPrompt(tokenizer, request());
    const two = `${block('get_weather', { city: 'Oslo' })}\n${block('get_time', {})}`;
    expect(readAssistantOutput(two, 'qwen', prompt, true)).toMatchObject({ kind: 'tool_calls', calls: [{}, {}] });
    expect(readAssistantOutput(two, 'qwen', prompt, false)).toMatchObject({ kind: 'tool_calls', calls: [{ function: { name: 'get_weather' } }] });
  });

  it('lets a stream show text only up to where a call may be starting', () => {
    const prompt = buildChatPrompt(tokenizer, request());
    expect(showableContentLength('Let me check. <tool_call>\n{"na', 'qwen', prompt)).toBe('Let me check. '.length);
    expect(showableContentLength('Let me check. <tool_', 'qwen', prompt)).toBe('Let me check. '.length);
    expect(showableContentLength('Sunny today.', 'qwen', prompt)).toBe('Sunny today.'.length);
    expect(showableContentLength(' {"name": "get_weather"', 'openai-json', prompt)).toBe(0);
    expect(showableContentLength('Sunny', 'openai-json', prompt)).toBe(5);
    expect(showableContentLength('anything', 'qwen', buildChatPrompt(tokenizer, request({ tool_choice: 'required' })))).toBe(0);
    expect(showableContentLength('<tool_call>', 'qwen', buildChatPrompt(tokenizer, request({ tool_choice: 'none' })))).toBe('<tool_call>'.length);
  });

  it('reads a ReAct step as the tool call it is, whatever the template format: a model tuned on ReAct data answers a chat that way', () => {
    const prompt = buildChatPrompt(tokenizer, request());
    const step = 'Thought: Do I need to use a tool? Yes.\nAction: get_weather\nAction Input: {"city": "Madrid"}\nObservation: sunny, 30 °C';
    for (const format of ['qwen', 'openai-json'] as const) {
      expect(readAssistantOutput(step, format, prompt, true)).toMatchObject({
        kind: 'tool_calls',
        content: 'Thought: Do I need to use a tool? Yes.',
        calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Madrid"}' } }],
      });
    }
    // Checked like any call: an unknown tool or arguments its schema refuses stay text under auto.
    expect(readAssistantOutput('Thought: Yes.\nAction: get_weather\nAction Input: {"city": {"type": "string"}}', 'qwen', prompt, true).kind).toBe('text');
    expect(readAssistantOutput('Thought: Yes.\nAction: launch_rocket\nAction Input: {}', 'qwen', prompt, true).kind).toBe('text');
    expect(readAssistantOutput('Thought: Do I need to use a tool? No.\nFinal Answer: It is sunny.', 'qwen', prompt, true)).toMatchObject({ kind: 'text' });
    // A stream shows the Thought, and holds back from the Action line (or what could become one) to the end.
    expect(showableContentLength(step, 'qwen', prompt)).toBe('Thought: Do I need to use a tool? Yes.'.length);
    expect(showableContentLength('Thought: Yes.\nAct', 'openai-json', prompt)).toBe('Thought: Yes.'.length);
    expect(showableContentLength('Acti', 'qwen', prompt)).toBe(0);
    expect(showableContentLength('Thought: Do I need to use a tool? No.\nFinal', 'qwen', prompt)).toBe('Thought: Do I need to use a tool? No.\nFinal'.length);
  });
});
