import { Injectable } from '@nestjs/common';
import type { pingAnsweredV1, PayloadOf } from '@tuneforge/contracts';

export type PingAnswer = PayloadOf<typeof pingAnsweredV1>;

interface PendingPing {
  answers: PingAnswer[];
  expected: ReadonlySet<PingAnswer['service']>;
  complete: () => void;
}

/** The pings this gateway instance has sent and is still collecting answers for. */
@Injectable()
export class PingRegistry {
  private readonly pending = new Map<string, PendingPing>();

  /** Collects answers for `pingId` until every expected service answered or the time is up. */
  async collect(pingId: string, expected: readonly PingAnswer['service'][], timeoutMs: number, send: () => Promise<void>): Promise<PingAnswer[]> {
    let complete!: () => void;
    const done = new Promise<void>((resolve) => (complete = resolve));
    const entry: PendingPing = { answers: [], expected: new Set(expected), complete };
    this.pending.set(pingId, entry);
    const timer = setTimeout(complete, timeoutMs);
    try {
      await send();
      await done;
      return entry.answers;
    } finally {
      clearTimeout(timer);
      this.pending.delete(pingId);
    }
  }

  record(pingId: string, answer: PingAnswer): void {
    const entry = this.pending.get(pingId);
    if (!entry) return; // an answer to a ping that timed out, or that another gateway instance sent
    if (entry.answers.some((known) => known.service === answer.service && known.instanceId === answer.instanceId)) return;
    entry.answers.push(answer);
    const answered = new Set(entry.answers.map((known) => known.service));
    if ([...entry.expected].every((service) => answered.has(service))) entry.complete();
  }
}
