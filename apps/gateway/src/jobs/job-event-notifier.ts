import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Database } from '@tuneforge/database';
import { DATABASE, requireDatabase } from '@tuneforge/service-kit';
import { JOB_EVENTS_CHANNEL, jobEventsPayload, parseJobEventsPayload } from './job-repository';

/** Called when the job has something new, or (no argument) when notifications may have been missed: read again. */
export type JobChangeHandler = () => void;

/**
 * One LISTEN per gateway instance on `job_events` (sent, when an event's or status's insert commits, by whichever
 * instance recorded it), fanned out to the streams of this instance that follow the job named in the payload. After
 * the listening connection was lost and came back, every follower is told to read again.
 */
@Injectable()
export class JobEventNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly db: Database;
  private readonly followers = new Map<string, Set<JobChangeHandler>>();
  private unlisten?: () => Promise<void>;

  constructor(@Inject(DATABASE) database: Database | null) {
    this.db = requireDatabase(database, 'gateway');
  }

  async onModuleInit(): Promise<void> {
    this.unlisten = await this.db.listen(JOB_EVENTS_CHANNEL, (payload) => this.received(payload));
  }

  async onModuleDestroy(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = undefined;
  }

  /** Calls `handler` on each change of the job until the returned function is called. */
  follow(tenant: string, jobId: string, handler: JobChangeHandler): () => void {
    const key = jobEventsPayload(tenant, jobId);
    let set = this.followers.get(key);
    if (!set) this.followers.set(key, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.followers.get(key) === set) this.followers.delete(key);
    };
  }

  /** A notification's payload; `undefined` after a reconnect (anything may have been missed). */
  received(payload: string | undefined): void {
    if (payload === undefined) {
      for (const set of this.followers.values()) set.forEach((handler) => handler());
      return;
    }
    const job = parseJobEventsPayload(payload);
    if (job) this.followers.get(jobEventsPayload(job.tenant, job.jobId))?.forEach((handler) => handler());
  }
}
