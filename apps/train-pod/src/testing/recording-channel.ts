import type { TopicSpec } from '@tuneforge/contracts';
import type { z } from 'zod';
import type { PodChannel } from '../training/pod-channel';

/** A pod channel for tests: keeps every message the run publishes, in order; controls never come. */
export function recordingChannel(): PodChannel & { sent: Array<{ topic: string; payload: unknown }> } {
  const sent: Array<{ topic: string; payload: unknown }> = [];
  return {
    sent,
    async publish<P extends z.ZodTypeAny>(topic: TopicSpec<P>, payload: z.infer<P>) {
      sent.push({ topic: topic.name, payload });
    },
    async onControl() {},
    async close() {},
  };
}
