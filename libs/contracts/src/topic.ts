import { z } from 'zod';
import { envelopeSchema, type Envelope } from './envelope';

/** Topic names are `<domain>.<entity>.<event>.v<N>`: the version is part of the name, never of the payload. */
export const TOPIC_NAME_PATTERN = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.v([1-9][0-9]*)$/;

export const DEAD_LETTER_SUFFIX = '.dlq';

export interface TopicSpec<P extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly name: string;
  readonly version: number;
  /** Partitions bound the parallelism of one consumer group; keys (job ids) keep per-job order. */
  readonly partitions: number;
  readonly retentionMs: number;
  readonly payload: P;
  readonly envelope: ReturnType<typeof envelopeSchema<P>>;
}

export type PayloadOf<T extends TopicSpec> = z.infer<T['payload']>;
export type MessageOf<T extends TopicSpec> = Envelope<PayloadOf<T>>;

const DAY_MS = 24 * 60 * 60 * 1000;

export function defineTopic<P extends z.ZodTypeAny>(
  name: string,
  payload: P,
  options: { partitions?: number; retentionMs?: number } = {},
): TopicSpec<P> {
  const match = TOPIC_NAME_PATTERN.exec(name);
  if (!match) {
    throw new Error(`topic name "${name}" does not follow <domain>.<entity>.<event>.v<N>`);
  }
  return {
    name,
    version: Number(match[1]),
    partitions: options.partitions ?? 6,
    retentionMs: options.retentionMs ?? 7 * DAY_MS,
    payload,
    envelope: envelopeSchema(payload),
  };
}

/**
 * Every dead-letter topic: one partition (dead letters are rare and read in order of failure), kept
 * 30 days so a failure can be studied and the message replayed.
 */
export const DEAD_LETTER_TOPIC = { partitions: 1, retentionMs: 30 * DAY_MS } as const;

export function deadLetterTopicName(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}
