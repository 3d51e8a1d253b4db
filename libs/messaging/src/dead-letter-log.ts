import type { Queryable } from '@tuneforge/database';
import type { DeadLetterRecord } from './dead-letter';

/** Where a bus records each dead letter for operators to list and replay (beside the dead-letter topic). */
export interface DeadLetterLog {
  record(letter: DeadLetterRecord): Promise<void>;
}

/**
 * Dead letters as rows of `dead_letters` in the metadata database, one per group and original message position (a
 * redelivered failure is recorded once).
 */
export class DatabaseDeadLetterLog implements DeadLetterLog {
  constructor(private readonly db: Queryable) {}

  async record(letter: DeadLetterRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO dead_letters (original_topic, original_partition, original_offset, original_key, original_value, original_headers,
                                 consumer, service, reason, error, attempts, failed_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (consumer, original_topic, original_partition, original_offset) DO NOTHING`,
      [
        letter.originalTopic,
        letter.originalPartition,
        letter.originalOffset,
        letter.originalKey,
        letter.originalValue,
        JSON.stringify(letter.originalHeaders),
        letter.group,
        letter.service,
        letter.reason,
        letter.error,
        letter.attempts,
        Math.floor(Date.parse(letter.failedAt) / 1000) || Math.floor(Date.now() / 1000),
      ],
    );
  }
}
