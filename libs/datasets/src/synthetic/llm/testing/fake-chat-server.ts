import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LLM_CITIES = ['Quito', 'Nairobi', 'Osaka', 'Reykjavik', 'Lima', 'Perth', 'Tallinn', 'Dakar', 'Hanoi', 'Montevideo', 'Bergen', 'Cusco'];

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
export class FakeChatServer {
  readonly requests: Array<{ body: { model: string; messages: Array<{ role: string; content: string }> }; authorization?: string }> = [];
  /** Statuses to answer with, by 1-based request number. */
  failures = new Map<number, number>();
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(text) as FakeChatServer['requests'][number]['body'];
    this.requests.push({ body, authorization: req.headers.authorization });
    const status = this.failures.get(this.requests.length);
    if (status) {
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 && { 'retry-after': '0' }) });
      res.end(JSON.stringify({ error: { message: status === 429 ? 'rate limited' : 'boom', type: 'server_error' } }));
      return;
    }
    const prompt = body.messages[body.messages.length - 1].content;
    const variation = Number(/variation (\d+)/.exec(prompt)?.[1] ?? 0);
    const firstExample = /Examples:\n(.*)/.exec(prompt)?.[1];
    const samples = [
      toolSample(LLM_CITIES[(variation * 2) % LLM_CITIES.length]),
      toolSample(LLM_CITIES[(variation * 2 + 1) % LLM_CITIES.length]),
      { messages: [{ role: 'user', content: 'Book it' }, { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'book_flight', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'x', content: 'ok' }, { role: 'assistant', content: 'Booked.' }] },
      ...(firstExample ? [JSON.parse(firstExample) as unknown] : []),
    ];
    const completion = {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: 0,
      model: body.model,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Here they are:\n\`\`\`json\n${JSON.stringify({ samples })}\n\`\`\`` } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
  }
}
