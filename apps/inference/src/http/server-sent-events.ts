import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The client's side of one request: `signal` aborts when the client goes away before the answer is complete (a
 * closed connection), which is what frees the request's sequences in the batch.
 */
export function clientGone(request: IncomingMessage, response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!response.writableFinished) controller.abort();
  };
  response.once('close', onClose);
  request.once('aborted', onClose);
  return controller.signal;
}

/** OpenAI's streaming wire format: `data: <json>` events, then `data: [DONE]`. */
export class ServerSentEvents {
  constructor(private readonly response: ServerResponse) {}

  get open(): boolean {
    return !this.response.destroyed && !this.response.writableEnded;
  }

  start(): void {
    this.response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    this.response.flushHeaders();
  }

  send(event: unknown): void {
    if (this.open) this.response.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  done(): void {
    if (this.open) this.response.end('data: [DONE]\n\n');
  }
}
