import { chatCompletionRequestSchema, chatContentText } from './chat-completions';
import { completionRequestSchema } from './completions';
import { jsonSchemaProblem } from './json-schema-check';

const user = { role: 'user', content: 'Weather in Oslo?' };
const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };

/** The path of the first problem, as the services name it in `param`. */
function firstProblem(schema: typeof chatCompletionRequestSchema | typeof completionRequestSchema, body: unknown): string | null {
  const result = schema.safeParse(body);
  return result.success ? null : result.error.issues[0].path.map(String).join('.');
}

describe('chatCompletionRequestSchema', () => {
  it('accepts what the openai SDK sends: every role, text parts, tools, tool_choice, stream options', () => {
    const body = {
      model: 'tiny-llama',
      messages: [{ role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] }, user, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: '3 C' }],
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      stream: true,
      stream_options: { include_usage: true },
      logprobs: true,
      top_logprobs: 2,
      stop: ['\n\n'],
      seed: 7,
      n: 2,
    };
    expect(chatCompletionRequestSchema.safeParse(body).success).toBe(true);
    expect(chatContentText([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }])).toBe('ab');
  });

  it.each([
    ['a message without content', { messages: [{ role: 'user' }] }, 'messages.0.content'],
    ['an unknown role', { messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    ['arguments that are not JSON of an object', { messages: [user, { role: 'assistant', tool_calls: [{ ...call, function: { name: 'get_weather', arguments: '[1]' } }] }] }, 'messages.1.tool_calls.0.function.arguments'],
    ['a tool message answering no call', { messages: [user, { role: 'tool', tool_call_id: 'call_9', content: 'x' }] }, 'messages.1.tool_call_id'],
    ['a tool message answering a call of an earlier turn', { messages: [user, { role: 'assistant', tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: 'x' }, { role: 'tool', tool_call_id: 'call_1', content: 'y' }] }, 'messages.3.tool_call_id'],
    ['tool parameters that are not an object schema', { messages: [user], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }, 'tools.0.function.parameters'],
    ['tool parameters with an unknown type', { messages: [user], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'strnig' } } } } }] }, 'tools.0.function.parameters'],
    ['a tool_choice naming no tool', { messages: [user], tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name'],
    ['required without tools', { messages: [user], tool_choice: 'required' }, 'tool_choice'],
    ['top_logprobs without logprobs', { messages: [user], top_logprobs: 3 }, 'top_logprobs'],
    ['n below 1', { messages: [user], n: 0 }, 'n'],
    ['a penalty', { messages: [user], presence_penalty: 0.5 }, 'presence_penalty'],
    ['an unknown field', { messages: [user], logit_bias: { 1: 2 } }, ''],
    ['a JSON response format', { messages: [user], response_format: { type: 'json_object' } }, 'response_format.type'],
  ])('refuses %s, naming the field', (_, body, path) => {
    expect(firstProblem(chatCompletionRequestSchema, { model: 'm', ...body })).toBe(path);
  });
});

describe('completionRequestSchema', () => {
  it('accepts a prompt or a list of prompts, with logprobs and echo', () => {
    expect(completionRequestSchema.safeParse({ model: 'm', prompt: 'Question: 2+2?', stop: ['\nObservation:'], logprobs: 2, echo: true }).success).toBe(true);
    expect(completionRequestSchema.safeParse({ model: 'm', prompt: ['a', 'b'] }).success).toBe(true);
  });

  it('refuses token-id prompts and suffixes, naming the field', () => {
    expect(firstProblem(completionRequestSchema, { model: 'm', prompt: [1, 2] })).toBe('prompt');
    expect(firstProblem(completionRequestSchema, { model: 'm', prompt: 'x', suffix: 'y' })).toBe('suffix');
  });
});

describe('jsonSchemaProblem', () => {
  it.each([
    [{ type: 'object', properties: { a: { type: 'array', items: { type: 'integer' } }, b: { anyOf: [{ type: 'string' }, { type: 'null' }] } }, required: ['a'] }, undefined],
    [{}, undefined],
    [[], 'a JSON Schema object'],
    [{ type: 'object', properties: 5 }, '"properties" as an object of schemas'],
    [{ type: 'object', required: 'a' }, '"required" as a list of property names'],
    [{ type: 'object', properties: { a: { items: 3 } } }, 'a JSON Schema object at properties.a.items'],
  ])('%j → %s', (schema, problem) => {
    expect(jsonSchemaProblem(schema)).toBe(problem);
  });
});
