import type { MessageOf, TopicSpec } from '@tuneforge/contracts';
import type { MessageBus, SubscribeOptions, Subscription } from '@tuneforge/messaging';
import type { z } from 'zod';

/** A result topic: each payload names the task it answers. */
type ResultTopic = TopicSpec<z.ZodType<{ taskId: string }>>;

/**
 * A test's listener on a worker's result topic: it keeps every result by task id, so a
 * test awaits the result of the task it published (the event is what is awaited, never a sleep), including the
 * `count`-th one when the same task is answered more than once (a redelivered or repeated task).
 */
export class TaskResults<T extends ResultTopic> {
  private readonly results = new Map<string, MessageOf<T>[]>();
  private readonly waiters = new Map<string, Array<{ count: number; resolve: (results: MessageOf<T>[]) => void }>>();
  private subscription?: Subscription;

  private constructor() {}

  /**
   * Subscribes before the test publishes anything, so no result can be missed. A new group starts from the earliest
   * retained result unless told `latest` (a long-lived broker's backlog is then skipped, not read through).
   */
  static async listen<T extends ResultTopic>(bus: MessageBus, topic: T, options: SubscribeOptions): Promise<TaskResults<T>> {
    const listener = new TaskResults<T>();
    listener.subscription = await bus.subscribe<MessageOf<T>['payload']>(topic, { startFrom: 'earliest', ...options }, async (message) => listener.record(message as MessageOf<T>));
    return listener;
  }

  /** Resolves with the `count`-th result of the task, at once if it already arrived. */
  async result(taskId: string, count = 1): Promise<MessageOf<T>> {
    const results = await new Promise<MessageOf<T>[]>((resolve) => {
      const have = this.results.get(taskId) ?? [];
      if (have.length >= count) resolve(have);
      else this.waiters.set(taskId, [...(this.waiters.get(taskId) ?? []), { count, resolve }]);
    });
    return results[count - 1];
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }

  private record(message: MessageOf<T>): void {
    const taskId = message.payload.taskId;
    const list = [...(this.results.get(taskId) ?? []), message];
    this.results.set(taskId, list);
    const pending = this.waiters.get(taskId) ?? [];
    this.waiters.set(taskId, pending.filter((w) => (list.length >= w.count ? (w.resolve(list), false) : true)));
  }
}
