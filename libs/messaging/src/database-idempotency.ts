import type { Queryable } from '@tuneforge/database';
import type { IdempotencyStore } from './idempotency';

/** How long a finished message is remembered: far longer than Kafka keeps redelivering one (its retention). */
export const IDEMPOTENCY_TTL_SECONDS = 14 * 24 * 3600;
/** Expired keys are deleted at most this often, by whichever process marks a message then. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Completion markers as rows of `idempotency_keys` (unique per consumer group and message, with an expiry), in
 * the metadata database every instance of a group shares; expired rows are pruned as new ones are written.
 */
export class DatabaseIdempotencyStore implements IdempotencyStore {
  private lastPrune = 0;

  constructor(
    private readonly db: Queryable,
    private readonly ttlSeconds: number = IDEMPOTENCY_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async isCompleted(group: string, messageId: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM idempotency_keys WHERE consumer = $1 AND key = $2 AND expires_at > $3', [group, messageId, this.seconds()]);
    return rows.length > 0;
  }

  async markCompleted(group: string, messageId: string): Promise<void> {
    const expires = this.seconds() + this.ttlSeconds;
    await this.db.query('INSERT INTO idempotency_keys (consumer, key, expires_at) VALUES ($1, $2, $3) ON CONFLICT (consumer, key) DO UPDATE SET expires_at = EXCLUDED.expires_at', [group, messageId, expires]);
    if (this.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = this.now();
      await this.db.query('DELETE FROM idempotency_keys WHERE expires_at <= $1', [this.seconds()]);
    }
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
