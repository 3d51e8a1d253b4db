import type { MessageOf } from '@tuneforge/contracts';
import type { Logger } from '@tuneforge/telemetry';
import type { TaskRecords } from './task-records';
import type { TaskTopic } from './task-work';

/** How a service runs its tasks in the background (see BackgroundTasks). */
export interface BackgroundSettings {
  /** The service's records root in the root store, ending in `/` (`_evaluator/tasks/`). */
  recordsRoot: string;
  /** How often an instance shows it still holds its tasks, and looks for tasks whose holder died. */
  heartbeatMs: number;
  /** A task with no sign of life for this long is taken over by another instance (or the next process). */
  takeoverAfterMs: number;
  /** What a task is called in the log lines (`evaluation`). */
  label: string;
}

/**
 * Background settings with the usual intervals (a heartbeat every 15 s, taken over after 2 min of silence) for a
 * service whose tasks may outlast a consumer callback: LLM synthesis, embeddings, LLM explanations. A Kafka
 * consumer only heartbeats between messages, so work longer than its session inside the callback gets the group
 * rebalanced under it and the task delivered again elsewhere.
 */
export function backgroundTasksUnder(recordsRoot: string, label: string): () => BackgroundSettings {
  return () => ({ recordsRoot, heartbeatMs: 15_000, takeoverAfterMs: 120_000, label });
}

/**
 * Tasks too long for a consumer callback (an evaluation generates for minutes, far longer than a callback
 * may hold its partition): the handler records the delivered task in the store (TaskRecords, a create-only
 * claim) and queues it, then returns. Queued tasks run one at a time, each the way an inline task runs
 * (`run`: the worker's stored result, work, store, announcement). While it holds tasks, the instance writes
 * heartbeats for them; it also takes over tasks whose holder stopped beating (killed, or shut down with tasks
 * still queued), so an accepted task is answered even if its process dies. A task delivered again while
 * recorded is not run twice; delivered after it was answered, the worker finds its stored result. Records
 * are removed after the result is published: a crash in between answers the task twice, never zero times.
 */
export class BackgroundTasks<Requested extends TaskTopic> {
  private readonly held = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  /** The heartbeat under way, if any (removal and shutdown wait for it). */
  private ticked: Promise<void> = Promise.resolve();
  private shuttingDown = false;

  constructor(
    private readonly records: TaskRecords<Requested>,
    private readonly run: (request: MessageOf<Requested>) => Promise<void>,
    private readonly settings: BackgroundSettings,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  /** Starts the heartbeat and takeover timer (the application's bootstrap). */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.heartbeatMs);
    this.timer.unref();
  }

  /** Records and queues a delivered request; returns once it is recorded (the task runs later). */
  async accept(request: MessageOf<Requested>): Promise<void> {
    const { taskId } = request.payload;
    const dir = this.records.dirOf(request.tenant, taskId);
    if (this.held.has(dir)) {
      this.logger.info({ taskId }, `${this.settings.label} already queued or running here; delivery ignored`);
      return;
    }
    if (!(await this.records.register(request))) {
      // Held by another instance, or orphaned and soon taken over: either way it will be answered once.
      this.logger.info({ taskId }, `${this.settings.label} already recorded; delivery ignored`);
      return;
    }
    this.enqueue(request, dir);
  }

  /** Stops taking tasks over and waits for the one running; queued tasks stay recorded for the next process, or another instance. */
  async stop(): Promise<void> {
    this.shuttingDown = true;
    if (this.timer) clearInterval(this.timer);
    await this.queue;
    await this.ticked;
  }

  private enqueue(request: MessageOf<Requested>, dir: string): void {
    this.held.add(dir);
    this.queue = this.queue.then(async () => {
      if (this.shuttingDown) return;
      try {
        await this.run(request);
        // No beat may land after the records are gone: stop beating for it, let a beat under way finish, then remove.
        this.held.delete(dir);
        await this.ticked;
        await this.records.remove(request.tenant, request.payload.taskId);
      } catch (error) {
        // Publishing failed (bus down): the record stays, and the task is taken over and answered later.
        this.logger.error({ taskId: request.payload.taskId, err: error }, `${this.settings.label} result could not be published`);
      } finally {
        this.held.delete(dir);
      }
    });
  }

  /** Heartbeats for the tasks held here, then takes over tasks nobody holds any more. */
  private tick(): Promise<void> {
    if (this.ticking || this.shuttingDown) return this.ticked;
    this.ticked = this.beat();
    return this.ticked;
  }

  private async beat(): Promise<void> {
    this.ticking = true;
    try {
      for (const dir of this.held) {
        const [tenant, taskId] = dir.split('/').slice(-2);
        await this.records.heartbeat(tenant, taskId, this.instanceId);
      }
      for (const orphan of await this.records.orphans(this.settings.takeoverAfterMs, this.held)) {
        const request = await this.records.claim(orphan, this.instanceId);
        if (!request || this.shuttingDown) continue;
        this.logger.warn({ taskId: request.payload.taskId, lastSeen: new Date(orphan.lastSeen).toISOString() }, `${this.settings.label} taken over from an instance that stopped`);
        await this.records.heartbeat(request.tenant, request.payload.taskId, this.instanceId);
        this.enqueue(request, orphan.dir);
      }
    } catch (error) {
      this.logger.warn({ err: error }, `${this.settings.label} heartbeat or takeover scan failed; retrying at the next beat`);
    } finally {
      this.ticking = false;
    }
  }
}
