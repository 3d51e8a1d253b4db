import { Inject, Injectable } from '@nestjs/common';
import { ALL_TOPICS } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import type { MessageBus } from '@tuneforge/messaging';
import { DATABASE, MESSAGE_BUS, requireDatabase } from '@tuneforge/service-kit';
import { ConflictError, ObjectNotFoundError } from '../errors/gateway-errors';

interface DeadLetterRow {
  id: number;
  original_topic: string;
  original_partition: number;
  original_offset: string;
  original_key: string | null;
  original_value: string;
  consumer: string;
  service: string;
  reason: string;
  error: string;
  attempts: number;
  failed_at: number;
  replayed_at: number | null;
}

/** A dead letter as the admin API shows it. */
export interface DeadLetter {
  id: string;
  object: 'dead_letter';
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  group: string;
  service: string;
  reason: string;
  error: string;
  attempts: number;
  failed_at: number;
  replayed_at: number | null;
  /** The message as it arrived (its JSON text). */
  value: string;
}

export interface DeadLetterQuery {
  topic?: string;
  group?: string;
  status: 'pending' | 'replayed' | 'all';
  limit: number;
  after?: string;
}

const PREFIX = 'dl-';
const ROW_COLUMNS = 'id, original_topic, original_partition, original_offset, original_key, original_value, consumer, service, reason, error, attempts, failed_at, replayed_at';

/**
 * The dead letters consumers recorded in the metadata database (`dead_letters`, written by the Kafka bus beside the
 * `<topic>.dlq` topic): listed newest first, and replayed one at a time. A replay forgets that the failing group
 * finished the message (its idempotency key and start count) and publishes the original message again, with its
 * message id: the group that failed runs it again, groups that had handled it skip it as a duplicate.
 */
@Injectable()
export class DeadLettersService {
  private readonly db: Database;

  constructor(
    @Inject(DATABASE) database: Database | null,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {
    this.db = requireDatabase(database, 'gateway');
  }

  async list(query: DeadLetterQuery): Promise<{ data: DeadLetter[]; hasMore: boolean }> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (query.topic) where('original_topic = ?', query.topic);
    if (query.group) where('consumer = ?', query.group);
    if (query.status === 'pending') conditions.push('replayed_at IS NULL');
    if (query.status === 'replayed') conditions.push('replayed_at IS NOT NULL');
    if (query.after) where('id < ?', numericId(query.after, 'after'));
    params.push(query.limit + 1);
    const rows = await this.db.query<DeadLetterRow>(
      `SELECT ${ROW_COLUMNS} FROM dead_letters ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return { data: rows.slice(0, query.limit).map(toDeadLetter), hasMore: rows.length > query.limit };
  }

  async replay(id: string): Promise<DeadLetter> {
    const [row] = await this.db.query<DeadLetterRow>(`SELECT ${ROW_COLUMNS} FROM dead_letters WHERE id = $1`, [numericId(id, 'id')]);
    if (!row) throw new ObjectNotFoundError('dead_letter', id);
    if (row.replayed_at !== null) throw new ConflictError(`Dead letter ${id} was replayed already (at ${new Date(row.replayed_at * 1000).toISOString()}).`, 'id');
    const topic = ALL_TOPICS.find((spec) => spec.name === row.original_topic);
    if (!topic) throw new ConflictError(`Dead letter ${id} came from topic ${row.original_topic}, which this gateway does not publish to.`, 'id');
    let message: { messageId: string };
    try {
      message = topic.envelope.parse(JSON.parse(row.original_value)) as { messageId: string };
    } catch {
      throw new ConflictError(`Dead letter ${id} is not a valid ${row.original_topic} message (${row.reason}): it cannot be replayed as it is; fix it and publish it by hand.`, 'id');
    }
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM idempotency_keys WHERE consumer = $1 AND key = $2', [row.consumer, message.messageId]);
      await tx.query('DELETE FROM delivery_attempts WHERE consumer = $1 AND key = $2', [row.consumer, message.messageId]);
    });
    await this.bus.publish(topic, message as Parameters<MessageBus['publish']>[1], row.original_key ? { key: row.original_key } : {});
    const [replayed] = await this.db.query<DeadLetterRow>(`UPDATE dead_letters SET replayed_at = $2 WHERE id = $1 RETURNING ${ROW_COLUMNS}`, [row.id, Math.floor(Date.now() / 1000)]);
    return toDeadLetter(replayed);
  }
}

function numericId(id: string, param: string): number {
  const match = new RegExp(`^${PREFIX}(\\d{1,15})$`).exec(id);
  if (!match) throw new ObjectNotFoundError('dead_letter', id, param);
  return Number(match[1]);
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: `${PREFIX}${row.id}`,
    object: 'dead_letter',
    topic: row.original_topic,
    partition: row.original_partition,
    offset: row.original_offset,
    key: row.original_key,
    group: row.consumer,
    service: row.service,
    reason: row.reason,
    error: row.error,
    attempts: row.attempts,
    failed_at: row.failed_at,
    replayed_at: row.replayed_at,
    value: row.original_value,
  };
}
