/**
 * Remembers which messages a consumer group has finished, so that a redelivered message (Kafka gives
 * at-least-once) does nothing a second time. The record must be durable where the work is: a group
 * that writes artifacts keeps it in the artifact store.
 */
export interface IdempotencyStore {
  isCompleted(group: string, messageId: string): Promise<boolean>;
  markCompleted(group: string, messageId: string): Promise<void>;
}

/** For one process's lifetime: the embedded bus, where a restart also loses the undelivered messages. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly completed = new Set<string>();

  async isCompleted(group: string, messageId: string): Promise<boolean> {
    return this.completed.has(`${group}/${messageId}`);
  }

  async markCompleted(group: string, messageId: string): Promise<void> {
    this.completed.add(`${group}/${messageId}`);
  }
}

/** The part of an artifact store the durable ledger needs: create-only writes and existence checks. */
export interface MarkerStore {
  exists(key: string): Promise<boolean>;
  put(key: string, body: string): Promise<unknown>;
}

/** Completion markers as create-only objects: `_idempotency/<group>/<message id>`. */
export class StoreIdempotencyStore implements IdempotencyStore {
  constructor(private readonly store: MarkerStore) {}

  async isCompleted(group: string, messageId: string): Promise<boolean> {
    return this.store.exists(markerKey(group, messageId));
  }

  async markCompleted(group: string, messageId: string): Promise<void> {
    try {
      await this.store.put(markerKey(group, messageId), new Date().toISOString());
    } catch (error) {
      // Create-only: a marker already there means an earlier delivery finished the same work.
      if ((error as Error).name !== 'ArtifactExistsError') throw error;
    }
  }
}

function markerKey(group: string, messageId: string): string {
  return `_idempotency/${encodeURIComponent(group)}/${encodeURIComponent(messageId)}`;
}
