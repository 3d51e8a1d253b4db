import { Client, Pool, types, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';

/** Something SQL can be sent to: the database, or one transaction's connection. */
export interface Queryable {
  /** Rows of one statement with `$1`-style parameters (or, without parameters, of several statements). */
  query<R extends QueryResultRow = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * Called for each NOTIFY on a channel with its payload, and with `undefined` after the listening connection was
 * lost and came back: notifications may have been missed then, so a listener reads what it follows again.
 */
export type NotificationHandler = (payload: string | undefined) => void;

/** How a driver listens: one dedicated connection (a server) or the embedded instance's own API (PGlite). */
export interface NotificationSource {
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

// bigint columns (Unix seconds, byte counts, sequence numbers) come back as numbers: every value Tuneforge keeps
// in one is far below 2^53.
const INT8_OID = 20;
export const typeParsers: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : types.getTypeParser(oid, format))) as typeof types.getTypeParser,
};

/**
 * The metadata database: a `pg` pool over a Postgres server, or over PGlite in this process (embedded mode) through
 * PGlite's node-postgres connection. The same SQL, the same migrations and the same client libraries (LangGraph's
 * Postgres checkpointer takes `pool`) run on both.
 */
export class Database implements Queryable {
  constructor(
    readonly pool: Pool,
    readonly kind: 'postgres' | 'pglite',
    private readonly notifications: NotificationSource,
    private readonly onClose: () => Promise<void> = async () => {},
    /** The schema every connection uses (search_path), when not `public`. */
    readonly schema?: string,
  ) {}

  async query<R extends QueryResultRow = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(sql, params as unknown[] | undefined)).rows;
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws.
   * Inside, send SQL through the given `tx` only (embedded mode has a single connection, which `tx` holds).
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Queryable = { query: async (sql, params) => (await client.query(sql, params as unknown[] | undefined)).rows };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await rollback(client, error);
      throw error;
    }
  }

  /** Calls `handler` for each NOTIFY on `channel` until the returned function is called. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    return this.notifications.listen(channel, handler);
  }

  /** `pg_notify(channel, payload)`, sent when the current transaction (or this statement) commits. */
  async notify(channel: string, payload: string, via: Queryable = this): Promise<void> {
    await via.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    await this.notifications.close();
    await this.pool.end();
    await this.onClose();
  }
}

async function rollback(client: PoolClient, cause: unknown): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch {
    // The connection is broken (the server went away): dropped from the pool rather than reused.
    client.release(cause instanceof Error ? cause : new Error(String(cause)));
  }
}

/**
 * LISTEN on a Postgres server through one connection of its own, outside the pool. A lost connection (the server
 * restarted) is opened again after a pause, its channels listened to again, and each handler told it may have
 * missed notifications.
 */
export class ServerNotifications implements NotificationSource {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private client?: Promise<Client>;
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly config: PoolConfig,
    private readonly onError: (error: Error) => void = () => {},
    private readonly reconnectMs = 1000,
  ) {}

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await (await this.connection()).query(`LISTEN ${quoteIdentifier(channel)}`);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size > 0 || this.handlers.get(channel) !== set) return;
      this.handlers.delete(channel);
      if (!this.closed) await (await this.connection()).query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) await (await client.catch(() => undefined))?.end().catch(() => undefined);
  }

  private connection(): Promise<Client> {
    this.client ??= this.open();
    return this.client;
  }

  private async open(): Promise<Client> {
    const client = new Client(this.config);
    client.on('notification', (message) => this.handlers.get(message.channel)?.forEach((handler) => handler(message.payload ?? '')));
    const lost = (error?: Error) => {
      if (this.closed || !this.client) return;
      this.client = undefined;
      if (error) this.onError(error);
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
    } catch (error) {
      this.client = undefined;
      throw error;
    }
    return client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.handlers.size === 0) return;
    this.retry = setTimeout(async () => {
      try {
        const client = await this.connection();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
        for (const set of this.handlers.values()) set.forEach((handler) => handler(undefined));
      } catch (error) {
        this.onError(error as Error);
        this.scheduleReconnect();
      }
    }, this.reconnectMs);
    this.retry.unref();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
