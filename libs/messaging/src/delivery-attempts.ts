import type { Queryable } from '@tuneforge/database';

/**
 * Durable counts of handler starts per consumer group and message. A start is counted before the handler runs
 * and the count is cleared once the outcome is recorded, so what remains counts the deliveries whose worker died
 * mid-handler (an offset is committed only after the outcome, so Kafka delivers such a message again).
 */
export interface DeliveryAttempts {
  /** Counts a start and returns how many there have been, this one included. */
  start(group: string, messageId: string): Promise<number>;
  clear(group: string, messageId: string): Promise<void>;
}

/** Starts a handler may make on one message before it is dead-lettered as poison (default). */
export const DEFAULT_MAX_HANDLER_STARTS = 3;

/** The counts in `delivery_attempts`, in the metadata database every instance of a group shares. */
export class DatabaseDeliveryAttempts implements DeliveryAttempts {
  constructor(private readonly db: Queryable) {}

  async start(group: string, messageId: string): Promise<number> {
    const [row] = await this.db.query<{ attempts: number }>(
      `INSERT INTO delivery_attempts (consumer, key, attempts, last_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (consumer, key) DO UPDATE SET attempts = delivery_attempts.attempts + 1, last_at = EXCLUDED.last_at
       RETURNING attempts`,
      [group, messageId, Math.floor(Date.now() / 1000)],
    );
    return row.attempts;
  }

  async clear(group: string, messageId: string): Promise<void> {
    await this.db.query('DELETE FROM delivery_attempts WHERE consumer = $1 AND key = $2', [group, messageId]);
  }
}
