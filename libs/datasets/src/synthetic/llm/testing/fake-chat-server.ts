import { FakeJsonEndpoint } from '@tuneforge/storage/src/testing/fake-json-endpoint';
import type { IncomingMessage } from 'node:http';

export const LLM_CITIES = ['Quito', 'Nairobi', 'Osaka', 'Reykjavik', 'Lima', 'Perth', 'Tallinn', 'Dakar', 'Hanoi', 'Montevideo', 'Bergen', 'Cusco'];

type ChatRequest = { model: string; messages: Array<{ role: string; content: string }> };

function toolSample(city: string) {
  return {
    messages: [
      { role: 'user', content: `How warm is it in ${city} today?` },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } }] },
      { role: 'tool', tool_call_id: 'c1', content: '{"celsius": 21}' },
      { role: 'assistant', content: `It is 21 degrees in ${city}.` },
    ],
  };
}

/**
 * For tests of LLM synthesis (this library's and datagen's): a real OpenAI-compatible chat completions
 * server (`POST /v1/chat/completions`) answering like a teacher model would for the generator's prompts: per request two valid weather samples (cities by the request's
 * variation number), one calling a tool it was not given (the validators must drop it) and a copy of the
 * first example it was shown (deduplication must drop it). Chosen requests answer 429 first.
 */
export class FakeChatServer extends FakeJsonEndpoint<ChatRequest> {
  readonly requests: Array<{ body: ChatRequest; authorization?: string }> = [];

  constructor() {
    super('/v1/chat/completions');
  }

  protected record(body: ChatRequest, request: IncomingMessage): void {
    this.requests.push({ body, authorization: request.headers.authorization });
  }

  protected answer(body: ChatRequest, number: number): unknown {
    const prompt = body.messages[body.messages.length - 1].content;
    const variation = Number(/variation (\d+)/.exec(prompt)?.[1] ?? 0);
    const firstExample = /Examples:\n(.*)/.exec(prompt)?.[1];
    const samples = [
      toolSample(LLM_CITIES[(variation * 2) % LLM_CITIES.length]),
      toolSample(LLM_CITIES[(variation * 2 + 1) % LLM_CITIES.length]),
      { messages: [{ role: 'user', content: 'Book it' }, { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'book_flight', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'x', content: 'ok' }, { role: 'assistant', content: 'Booked.' }] },
      ...(firstExample ? [JSON.parse(firstExample) as unknown] : []),
    ];
    return {
      id: `chatcmpl-${number}`,
      object: 'chat.completion',
      created: 0,
      model: body.model,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Here they are:\n\`\`\`json\n${JSON.stringify({ samples })}\n\`\`\`` } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
  }
}
