import type { ServerResponse } from 'node:http';
import type { JobsService } from './jobs.service';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const POLL_MS = 500;

/**
 * Server-sent events from the store's projections: each event once, oldest first, polled every 500 ms,
 * ending with `data: [DONE]` once the job has ended and its events are out (or when the client leaves).
 * Every gateway instance can serve it, since the projections are in the store.
 */
export async function streamJobEvents(jobs: JobsService, tenant: string, id: string, response: ServerResponse): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let closed = false;
  response.on('close', () => (closed = true));
  const sent = new Set<string>();
  while (!closed) {
    const ended = TERMINAL.includes((await jobs.retrieve(tenant, id)).status);
    for (const event of await jobs.eventsOldestFirst(tenant, id)) {
      if (sent.has(event.id)) continue;
      sent.add(event.id);
      response.write(`data: ${JSON.stringify(event)}\n\n`);
    }
    if (ended) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (!closed) response.end('data: [DONE]\n\n');
}
