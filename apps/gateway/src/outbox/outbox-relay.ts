import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { findTopic, type Envelope, type TopicSpec } from '@tuneforge/contracts';
import type { Database, Queryable } from '@tuneforge/database';
import type { MessageBus } from '@tuneforge/messaging';
import { DATABASE, LOGGER, MESSAGE_BUS, requireDatabase } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';

/** How often the relay looks for messages still waiting (a publish that failed, one left by a gateway that stopped). */
export const OUTBOX_RELAY_INTERVAL_MS = 2_000;
/** Messages one pass takes, oldest first. */
const BATCH = 100;

/**
 * Writes a message into the outbox through `tx`: it is published only if the transaction that records what it announces
 * commits, and then certainly (the relay retries until the bus takes it).
 */
export async function enqueue<P>(tx: Queryable, topic: TopicSpec, message: Envelope<P>): Promise<void> {
  await tx.query('INSERT INTO outbox (topic, message, created_at) VALUES ($1, $2::jsonb, $3)', [topic.name, JSON.stringify(message), Math.floor(Date.now() / 1000)]);
}

interface OutboxRow {
  seq: number;
  topic: string;
  message: Envelope<unknown>;
  attempts: number;
}

/**
 * The transactional outbox's relay: publishes the outbox's messages to the bus, oldest first, and deletes each once the
 * bus has taken it. It runs right after a transaction that wrote one (`relay()`), and every OUTBOX_RELAY_INTERVAL_MS
 * for what is left (a publish that failed: Kafka down; a gateway that stopped between its commit and its publish).
 *
 * A pass takes its rows `FOR UPDATE SKIP LOCKED` inside one transaction, so several gateway instances never publish the
 * same row twice while it is pending; a failed publish counts an attempt and keeps the error on the row, and the pass
 * stops there so later messages do not overtake it. Delivery is at least once: an instance that dies after the bus took
 * a message but before its transaction committed leaves the row, and it is published again (consumers are idempotent by
 * message id).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly db: Database;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    @Inject(DATABASE) database: Database | null,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.db = requireDatabase(database, 'gateway');
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Starts the periodic relay (and a first pass: what an earlier run left). */
  start(intervalMs = OUTBOX_RELAY_INTERVAL_MS): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.relay(), intervalMs);
    this.timer.unref();
    void this.relay();
  }

  /** Stops the loop and waits for a pass in progress: the bus and the database close after the app. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Publishes what is in the outbox now. Resolves when this instance's pass is done (a pass already running is followed
   * by another, so a message committed before the call is tried); never rejects: failures are logged and retried later.
   */
  relay(): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    this.again = true;
    this.running ??= (async () => {
      try {
        while (this.again && !this.stopped) {
          this.again = false;
          await this.pass();
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        const rows = await tx.query<OutboxRow>('SELECT seq, topic, message, attempts FROM outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED', [BATCH]);
        const published: number[] = [];
        for (const row of rows) {
          try {
            const topic = findTopic(row.topic);
            if (!topic) throw new Error(`unknown topic '${row.topic}'`);
            await this.bus.publish(topic, row.message);
            published.push(row.seq);
          } catch (error) {
            const message = (error as Error).message ?? String(error);
            await tx.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1', [row.seq, message.slice(0, 2000)]);
            this.logger.warn({ err: error, topic: row.topic, messageId: row.message.messageId, attempts: row.attempts + 1 }, 'outbox: publish failed; the message stays for the next pass');
            break;
          }
        }
        if (published.length > 0) await tx.query('DELETE FROM outbox WHERE seq = ANY($1::bigint[])', [published]);
        // A full batch all published: there may be more behind it.
        if (rows.length === BATCH && published.length === BATCH) this.again = true;
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox: relay pass failed (database unreachable?); retried on the next pass');
    }
  }
}
