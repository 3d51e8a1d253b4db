import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real local HTTP server for tests of OpenAI-compatible clients (an LLM, an embeddings model): it answers
 * `POST <path>` with the JSON a subclass makes from the request body, 404 elsewhere, and answers chosen requests
 * with an error status first (OpenAI's error body; a 429 says retry at once), so retries are tested for real.
 * Here because every library with such a client already depends on storage; not part of storage's API.
 */
export abstract class FakeJsonEndpoint<Body> {
  /** Statuses to answer with, by 1-based request number. */
  failures = new Map<number, number>();
  private server?: Server;
  private received = 0;

  protected constructor(private readonly path: string) {}

  /** Resolves with the base URL (`http://127.0.0.1:<port>/v1`). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Keeps what a test checks about the request; failed requests are recorded too. */
  protected abstract record(body: Body, request: IncomingMessage): void;

  /** The JSON answer to the `number`-th request (1-based). */
  protected abstract answer(body: Body, number: number): unknown;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (req.method !== 'POST' || req.url !== this.path) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(text) as Body;
    this.record(body, req);
    const number = ++this.received;
    const status = this.failures.get(number);
    if (status) {
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 && { 'retry-after': '0' }) });
      res.end(JSON.stringify({ error: { message: status === 429 ? 'rate limited' : 'boom', type: 'server_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.answer(body, number)));
  }
}
