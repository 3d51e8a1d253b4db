import { createMessage, type MessageOf, type PayloadOf } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { ArtifactExistsError, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import type { Task, TaskTopic, TaskWork } from './task-work';

export interface TaskWorkerDeps {
  bus: MessageBus;
  /** The root store; each task gets its tenant's. */
  store: ArtifactStore;
  logger: Logger;
}

/**
 * Take the task → do it → store the result → announce it: the one loop of every task service (datagen,
 * retrieval, evaluator, debugger), around the service's own work (TaskWork).
 *
 * Idempotent by the task, not the message: the result key derives from the job and task id, so a
 * redelivered message, or the same task sent again under a new message id, finds the result an earlier
 * delivery stored and announces it again, unchanged, without working again. A succeeded result is
 * stored create-only before it is announced; a delivery that loses the race to store it announces the
 * winner's. A failed result (bad input, or an error the work maps with `failure`) is announced and
 * never stored, and the service goes on with the next message; any other error is the bus's to retry or
 * dead-letter.
 */
export class TaskWorker<Requested extends TaskTopic, Completed extends TaskTopic, Key = string, Output = void> {
  constructor(
    private readonly deps: TaskWorkerDeps,
    private readonly completed: Completed,
    private readonly work: TaskWork<Requested, Completed, Key, Output>,
  ) {}

  /** The whole life of a task run inside the consumer callback: its result, then the announcement. */
  async handle(request: MessageOf<Requested>): Promise<void> {
    const task: Task<Requested, Key> = { request, store: this.deps.store.forTenant(request.tenant), key: this.work.resultKey(request.payload) };
    await this.announce(task, await this.result(task));
  }

  /** The stored result, or the work's (stored first when it succeeded), or the failed result an error maps to. */
  private async result(task: Task<Requested, Key>): Promise<PayloadOf<Completed>> {
    try {
      const stored = await this.work.findStored(task);
      if (stored) return stored;
      const done = await this.work.work(task);
      if ('failed' in done) return done.failed;
      await this.work.store(task, done.succeeded, done.output);
      return done.succeeded;
    } catch (error) {
      // Another delivery of the same task stored its result first: that result is the answer.
      if (error instanceof ArtifactExistsError) {
        const winner = await this.work.findStored(task);
        if (winner) return winner;
      }
      const failed = this.work.failure?.(error, task);
      if (failed) return failed;
      throw error;
    }
  }

  private async announce(task: Task<Requested, Key>, result: PayloadOf<Completed>): Promise<void> {
    const line = this.work.logLine(result, task);
    this.deps.logger[line.level](line.fields, line.message);
    const { request } = task;
    await this.deps.bus.publish(this.completed, createMessage(this.completed, result, { correlationId: request.correlationId, tenant: request.tenant, causedBy: request }));
  }
}
