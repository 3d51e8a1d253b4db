import { loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import { join } from 'node:path';
import type { EvaluationRecord } from '../inputs/read-evaluation-set';
import { textTask } from './text-task';

const TINY_MODEL_DIR = join(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
const location = { file: 'validation.jsonl', line: 1 };

describe('textTask', () => {
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    tokenizer = await loadModelTokenizer(TINY_MODEL_DIR);
  });

  it('prompts with everything before the last assistant turn (generation prompt included) and expects that turn', () => {
    const record: EvaluationRecord = {
      kind: 'conversation',
      format: 'openai_chat',
      location,
      conversation: {
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'Say hello to Ada.' },
          { role: 'assistant', content: 'Hello, Ada!' },
        ],
      },
    };
    const task = textTask(tokenizer, record);
    expect(task?.reference).toBe('Hello, Ada!');
    const prompt = tokenizer.decode(task?.promptIds ?? []);
    expect(prompt.endsWith('<|im_start|>user\nSay hello to Ada.<|im_end|>\n<|im_start|>assistant\n')).toBe(true);
    expect(prompt).toContain('Hello!');
    // A chat answer ends where the endpoint's does: at the model's end-of-sequence ids, with no stop string.
    expect(task?.stop).toEqual([]);
    expect(task?.promptIds).toEqual(tokenizer.encode(prompt));
  });

  it('expects a tool-call turn the way the template writes it, and has nothing to ask without an assistant turn', () => {
    const messages = [
      { role: 'user' as const, content: 'Weather in Oslo?' },
      { role: 'assistant' as const, content: null, tool_calls: [{ id: 'c1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city": "Oslo"}' } }] },
    ];
    const task = textTask(tokenizer, { kind: 'conversation', format: 'openai_chat', location, conversation: { messages } });
    expect(task?.reference).toBe('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>');
    expect(textTask(tokenizer, { kind: 'conversation', format: 'openai_chat', location, conversation: { messages: messages.slice(0, 1) } })).toBeUndefined();
  });

  it('compares ReAct completions without the observation stop they end on, and stops there', () => {
    const task = textTask(tokenizer, {
      kind: 'prompt_completion',
      format: 'prompt_completion',
      location,
      sample: { prompt: 'New Input: What is 2+2?', completion: '\nThought: Do I need to use a tool? Yes\nAction: calculator\nAction Input: 2+2\nObservation:' },
    });
    expect(task?.reference).toBe('Thought: Do I need to use a tool? Yes\nAction: calculator\nAction Input: 2+2');
    // Prompted as /v1/completions encodes a prompt, stopped as LangChain's ReAct agent stops the endpoint.
    expect(task?.stop).toEqual(['\nObservation:']);
    expect(task?.promptIds).toEqual(tokenizer.encode('New Input: What is 2+2?', true));
  });
});
