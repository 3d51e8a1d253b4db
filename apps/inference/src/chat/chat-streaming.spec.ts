import { loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import type { SequenceOptions, ServedModel } from '@tuneforge/serving';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { inferenceEnvSchema } from '../config/inference-config';
import type { LoadedModels } from '../models/loaded-models';
import { ChatCompletionsService } from './chat-completions.service';
import type { ChatCompletionChunk } from './chat-responses';

const TINY_LLAMA = join(__dirname, '..', '..', '..', '..', 'tools/tiny-model/models/tiny-llama');
const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

/** A response that records what the service writes, as Node's ServerResponse would send it. */
class RecordedResponse extends EventEmitter {
  status = 0;
  headers: Record<string, string> = {};
  body = '';
  destroyed = false;
  writableEnded = false;
  writableFinished = false;
  writeHead(status: number, headers: Record<string, string>) {
    this.status = status;
    this.headers = headers;
    return this;
  }
  flushHeaders() {}
  write(text: string) {
    this.body += text;
    return true;
  }
  end(text = '') {
    this.body += text;
    this.writableEnded = this.writableFinished = true;
    this.emit('close');
  }
  /** The JSON events, and whether the stream ended with `data: [DONE]`. */
  events(): { chunks: ChatCompletionChunk[]; done: boolean } {
    const lines = this.body.split('\n\n').filter(Boolean);
    const done = lines.at(-1) === 'data: [DONE]';
    return { chunks: lines.filter((line) => line !== 'data: [DONE]').map((line) => JSON.parse(line.replace(/^data: /, '')) as ChatCompletionChunk), done };
  }
}

/**
 * The service over a stand-in model whose scheduler replays a script (one per choice, picked by the choice's
 * seed) token by token, then ends at its end-of-sequence id: only the streaming is under test here.
 */
function serviceReplaying(tokenizer: ModelTokenizer, scripts: string[]): ChatCompletionsService {
  const scheduler = {
    load: { running: 0, waiting: 0, cancelled: 0 },
    async *generate(_prompt: readonly number[], options: SequenceOptions) {
      for (const token of tokenizer.encode(scripts[options.seed % scripts.length])) yield { token, logprob: -0.5 };
      return 'stop' as const;
    },
  };
  const model = { tokenizer, endOfSequenceIds: [2], toolCallFormat: 'qwen', maxContext: 4096, scheduler } as unknown as ServedModel;
  const models = { acquire: async (_: string, name: string) => ({ model, name, release: () => undefined }) } as unknown as LoadedModels;
  return new ChatCompletionsService(models, inferenceEnvSchema.parse({}));
}

async function stream(service: ChatCompletionsService, body: object): Promise<RecordedResponse> {
  const response = new RecordedResponse();
  const request = new EventEmitter() as IncomingMessage;
  await service.create('tenant-a', { model: 'tiny-llama', messages: [{ role: 'user', content: 'hi' }], stream: true, seed: 0, ...body }, request, response as unknown as ServerResponse);
  return response;
}

describe('chat completion streams (server-sent events)', () => {
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    tokenizer = await loadModelTokenizer(TINY_LLAMA);
  });

  it('sends the role, the text in pieces, the finish reason, the usage, then [DONE]', async () => {
    const response = await stream(serviceReplaying(tokenizer, ['It is sunny in Oslo today 🚀.']), { stream_options: { include_usage: true }, logprobs: true });
    const { chunks, done } = response.events();
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(done).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks.slice(1, -2);
    expect(content.length).toBeGreaterThan(1);
    expect(content.every((chunk) => chunk.choices[0].delta.content !== '')).toBe(true);
    expect(content.map((chunk) => chunk.choices[0].delta.content).join('')).toBe('It is sunny in Oslo today 🚀.');
    expect(content.flatMap((chunk) => chunk.choices[0].logprobs?.content ?? []).map((entry) => entry.logprob)).toEqual(tokenizer.encode('It is sunny in Oslo today 🚀.').map(() => -0.5));
    expect(chunks.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: tokenizer.encode('It is sunny in Oslo today 🚀.').length } });
  });

  it('holds back the call and sends it as one tool_calls delta, finish_reason tool_calls', async () => {
    const script = 'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';
    const { chunks } = (await stream(serviceReplaying(tokenizer, [script]), { tools: [weather] })).events();
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Let me check.\n');
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
  });

  it('ends at a stop string without sending any of it', async () => {
    const { chunks } = (await stream(serviceReplaying(tokenizer, ['Thought: add\nObservation: 4']), { stop: '\nObservation:' })).events();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Thought: add');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('streams n choices side by side, each under its index with its own finish', async () => {
    const { chunks } = (await stream(serviceReplaying(tokenizer, ['first answer', 'second one']), { n: 2 })).events();
    const textOf = (index: number) => chunks.filter((chunk) => chunk.choices[0]?.index === index).map((chunk) => chunk.choices[0].delta.content ?? '').join('');
    expect([textOf(0), textOf(1)]).toEqual(['first answer', 'second one']);
    expect(chunks.filter((chunk) => chunk.choices[0]?.finish_reason).map((chunk) => chunk.choices[0].index).sort()).toEqual([0, 1]);
  });
});
