import { CodeBlockParser } from './code-block-parser';
import { createParser } from './create-parser';
import { LlamaToolCallParser } from './llama-parser';
import { OpenAIJsonToolCallParser } from './openai-json-parser';
import { describeParseError } from './parsed-output';
import { QwenToolCallParser } from './qwen-parser';

describe('QwenToolCallParser', () => {
  const parser = new QwenToolCallParser();

  it('reads every <tool_call> block and keeps the text around them', () => {
    const text = 'Let me check both.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": "{\\"city\\": \\"Rome\\"}"}\n</tool_call>';
    expect(parser.parse(text)).toEqual({
      kind: 'tool_calls',
      calls: [
        { name: 'get_weather', arguments: { city: 'Oslo' } },
        { name: 'get_weather', arguments: { city: 'Rome' } },
      ],
      content: 'Let me check both.',
      warnings: [],
    });
  });

  it('takes output without a block as the final answer', () => {
    expect(parser.parse(' It is 3 degrees in Oslo. ')).toEqual({ kind: 'final_answer', answer: 'It is 3 degrees in Oslo.', warnings: [] });
  });

  it('points at broken JSON inside the block', () => {
    const text = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo",}}\n</tool_call>';
    const out = parser.parse(text);
    expect(out).toMatchObject({ kind: 'error', error: { code: 'invalid_json', line: 2 } });
    if (out.kind === 'error') expect(out.error.column).toBeGreaterThan(40);
  });

  it.each([
    ['<tool_call>\n{"name": "get_weather", "arguments": {}}', 'unclosed_tag'],
    ['</tool_call>', 'unopened_tag'],
    ['<tool_call>\n{"arguments": {}}\n</tool_call>', 'missing_name'],
    ['<tool_call>\n{"name": "x", "arguments": [1]}\n</tool_call>', 'invalid_arguments'],
    ['<tool_call>\n[1, 2]\n</tool_call>', 'not_an_object'],
  ])('reports %j as %s', (text, code) => {
    expect(parser.parse(text)).toMatchObject({ kind: 'error', error: { format: 'qwen', code } });
  });
});

describe('LlamaToolCallParser', () => {
  const parser = new LlamaToolCallParser();

  it('reads JSON calls with "parameters", bare or after <|python_tag|>', () => {
    const call = { kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }], content: null, warnings: [] };
    expect(parser.parse('{"name": "get_weather", "parameters": {"city": "Oslo"}}')).toEqual(call);
    expect(parser.parse('<|python_tag|>{"name": "get_weather", "parameters": {"city": "Oslo"}}<|eom_id|>')).toEqual(call);
  });

  it('sends <|python_tag|> code to the code tool and plain text is the answer', () => {
    expect(parser.parse('<|python_tag|>print(2 + 2)')).toMatchObject({ kind: 'tool_calls', calls: [{ name: 'python', arguments: { code: 'print(2 + 2)' } }] });
    expect(parser.parse('The answer is 4.<|eot_id|>')).toEqual({ kind: 'final_answer', answer: 'The answer is 4.', warnings: [] });
  });

  it('reports a JSON reply that is not a call', () => {
    expect(parser.parse('{"name": "get_weather", "parameters": {"city": ')).toMatchObject({ kind: 'error', error: { code: 'invalid_json' } });
    expect(parser.parse('{"tool": "get_weather"}')).toMatchObject({ kind: 'error', error: { code: 'missing_name' } });
  });
});

describe('OpenAIJsonToolCallParser', () => {
  const parser = new OpenAIJsonToolCallParser();

  it('reads the API shape, a list, a single call, and fenced JSON', () => {
    const expected = [{ name: 'calculator', arguments: { expression: '1+1' } }];
    expect(parser.parse('{"tool_calls": [{"type": "function", "function": {"name": "calculator", "arguments": "{\\"expression\\": \\"1+1\\"}"}}]}')).toMatchObject({ kind: 'tool_calls', calls: expected });
    expect(parser.parse('[{"name": "calculator", "arguments": {"expression": "1+1"}}]')).toMatchObject({ calls: expected });
    expect(parser.parse('```json\n{"name": "calculator", "arguments": {"expression": "1+1"}}\n```')).toMatchObject({ calls: expected });
    expect(parser.parse('2')).toEqual({ kind: 'final_answer', answer: '2', warnings: [] });
  });

  it('reports arguments that are not an object and broken JSON', () => {
    expect(parser.parse('{"name": "calculator", "arguments": "1+1"}')).toMatchObject({ kind: 'error', error: { code: 'invalid_arguments' } });
    expect(parser.parse('{"tool_calls": {}}')).toMatchObject({ kind: 'error', error: { code: 'invalid_tool_calls' } });
    expect(parser.parse('{"name": "calculator"')).toMatchObject({ kind: 'error', error: { code: 'invalid_json' } });
  });
});

describe('CodeBlockParser', () => {
  const parser = new CodeBlockParser();

  it('runs the first python block and keeps the text before it as the thought', () => {
    expect(parser.parse('First compute it.\n```python\nprint(6 * 7)\n```\n')).toEqual({
      kind: 'tool_calls',
      calls: [{ name: 'python', arguments: { code: 'print(6 * 7)' } }],
      content: 'First compute it.',
      thought: 'First compute it.',
      warnings: [],
    });
  });

  it('accepts a block whose closing fence was the stop string, refuses one that never closes', () => {
    expect(parser.parse('```python\nprint(1)', { finishReason: 'stop', stop: '\n```' })).toMatchObject({ calls: [{ arguments: { code: 'print(1)' } }] });
    expect(parser.parse('```python\nprint(1)', { finishReason: 'length' })).toMatchObject({ kind: 'error', error: { code: 'unclosed_fence' } });
    expect(parser.parse('No code needed: 42.')).toEqual({ kind: 'final_answer', answer: 'No code needed: 42.', warnings: [] });
  });
});

describe('parse errors', () => {
  it('describe what was expected and where, for the model to read', () => {
    const out = createParser('qwen').parse('ok\n<tool_call>{"name": 1}</tool_call>');
    expect(out.kind).toBe('error');
    if (out.kind === 'error') expect(describeParseError(out.error)).toBe('Invalid format (qwen, line 2, column 12): expected a string "name" naming the tool, found "{\\"name\\": 1}</tool_call>".');
  });
});
