import type { ServerResponse } from 'node:http';
import type { JobEventNotifier } from './job-event-notifier';
import { toOpenAiEvent } from './job-record';
import type { JobRepository } from './job-repository';

/**
 * The safety net under NOTIFY: a stream also reads again this often when told nothing. A notification can be lost
 * without the listener hearing of it (a NOTIFY whose payload the server dropped, a listener that reconnected just
 * before a handler was registered); the stream then catches up within this time instead of hanging until the next one.
 */
export const FALLBACK_POLL_MS = 5_000;

export interface StreamOptions {
  fallbackPollMs?: number;
}

/**
 * Server-sent events of a job from the database: every event so far, oldest first, then each new one as its
 * notification arrives (`job_events` LISTEN/NOTIFY, `JobEventNotifier`): the rows with a seq above the last one sent.
 * Ends with `data: [DONE]` once the job has ended and its events are out, or silently when the client leaves. Any
 * gateway instance can serve it: every instance hears every notification.
 */
export async function streamJobEvents(
  jobs: JobRepository,
  notifier: JobEventNotifier,
  tenant: string,
  id: string,
  response: ServerResponse,
  options: StreamOptions = {},
): Promise<void> {
  const fallbackPollMs = options.fallbackPollMs ?? FALLBACK_POLL_MS;
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let closed = false;
  let changed = false;
  let wake: (() => void) | undefined;
  response.on('close', () => {
    closed = true;
    wake?.();
  });
  // Followed before the first read: a change committed while that read runs wakes the loop again.
  const unfollow = notifier.follow(tenant, id, () => {
    changed = true;
    wake?.();
  });
  try {
    let lastSeq = 0;
    while (!closed) {
      changed = false;
      // The status before the events: a job seen ended here has all its events (those before its end) in the next read.
      const ended = await jobs.hasEnded(tenant, id);
      for (const { seq, record } of await jobs.eventsAfter(tenant, id, lastSeq)) {
        if (closed) break;
        lastSeq = Math.max(lastSeq, seq);
        response.write(`data: ${JSON.stringify(toOpenAiEvent(record))}\n\n`);
      }
      if (ended || closed) break;
      if (!changed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, fallbackPollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  } finally {
    unfollow();
  }
  if (!closed) response.end('data: [DONE]\n\n');
}
