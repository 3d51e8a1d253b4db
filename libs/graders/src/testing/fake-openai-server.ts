import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  authorization?: string;
  body: Record<string, unknown>;
}

export type Reply = { status: number; body: unknown };

/** A local OpenAI-compatible endpoint for tests: every request is recorded and answered by `reply`. */
export async function startFakeOpenAi(reply: (request: RecordedRequest) => Reply): Promise<{ baseURL: string; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const request = { path: req.url ?? '', authorization: req.headers.authorization, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    requests.push(request);
    const { status, body } = reply(request);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An OpenAI chat completion whose message says `content`. */
export function chatCompletion(content: string, logprobs?: Array<{ token: string; logprob: number }>): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'judge',
    choices: [
      {
        index: 0,
        finish_reason: 'stop',
        message: { role: 'assistant', content },
        logprobs: logprobs ? { content: [{ token: logprobs[0].token, logprob: logprobs[0].logprob, top_logprobs: logprobs }] } : null,
      },
    ],
  };
}
