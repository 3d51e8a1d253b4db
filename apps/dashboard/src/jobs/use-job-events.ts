import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { JobEvent } from '../api/types';

const RETRY_MS = 3_000;

/**
 * A job's events as they happen, from `GET .../events?stream=true` (every event so far, then each new one until the
 * job ends). A dropped connection is opened again and the events it repeats are dropped by id. `ended` turns true once
 * the stream said `[DONE]`: the job has ended and every event is in.
 */
export function useJobEvents(client: ApiClient, jobId: string): { events: JobEvent[]; ended: boolean; error: Error | null } {
  const [state, setState] = useState<{ events: JobEvent[]; ended: boolean; error: Error | null }>({ events: [], ended: false, error: null });

  useEffect(() => {
    const controller = new AbortController();
    // The page showing one job is keyed by its id (app.tsx): another job gets a new hook, with empty state.
    const seen = new Set<string>();
    let pending: JobEvent[] = [];
    let frame = 0;
    // Many events arrive at once when the page opens: they are rendered together, once per animation frame.
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setState((previous) => ({ ...previous, events: [...previous.events, ...batch], error: null }));
    };
    (async () => {
      while (!controller.signal.aborted) {
        try {
          for await (const event of client.streamEvents(jobId, controller.signal)) {
            if (seen.has(event.id)) continue;
            seen.add(event.id);
            pending.push(event);
            if (!frame) frame = requestAnimationFrame(flush);
          }
          if (!controller.signal.aborted) {
            if (frame) cancelAnimationFrame(frame);
            flush();
            setState((previous) => ({ ...previous, ended: true }));
          }
          return;
        } catch (error) {
          if (controller.signal.aborted) return;
          setState((previous) => ({ ...previous, error: error as Error }));
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    })();
    return () => {
      controller.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [client, jobId]);
  return state;
}
