import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { Pool, type PoolConfig } from 'pg';
import { Database, quoteIdentifier, ServerNotifications, typeParsers, type NotificationSource } from './database';
import { migrate } from './migrate';

// The subpath has no entry TypeScript's `node` module resolution can see; at run time Node reads the exports map.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createPgConfig } = require('@electric-sql/pglite/node-postgres') as { createPgConfig(pglite: PGlite): PoolConfig };

export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';
}

export interface OpenDatabaseOptions {
  /**
   * A schema of its own (created if missing) that every connection uses: tests share one server without sharing
   * tables. Default: `public`.
   */
  schema?: string;
  /** Apply the migrations before returning (default true). */
  migrate?: boolean;
  /** Connections a server pool may open (default 10). */
  maxConnections?: number;
  /** Errors of idle connections and of the listening connection (a server restart): logged, never thrown. */
  onError?: (error: Error) => void;
}

/**
 * Opens the metadata database `url` names and brings its schema up to date:
 * - `postgres://user:password@host:port/db` (or `postgresql://`): a Postgres server (distributed mode, Kubernetes);
 * - `pglite:memory`: PGlite in this process, in memory (tests);
 * - `pglite:<directory>`: PGlite in this process, its files in the directory (embedded mode).
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new DatabaseConfigError(`Invalid schema name '${schema}': expected lower-case letters, digits and _`);
  const onError = options.onError ?? (() => {});
  let database: Database;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const config: PoolConfig = { connectionString: url, types: typeParsers, ...(schema ? { options: `-c search_path=${schema}` } : {}) };
    if (schema) await createSchema(config, schema);
    const pool = new Pool({ ...config, max: options.maxConnections ?? 10 });
    pool.on('error', onError);
    database = new Database(pool, 'postgres', new ServerNotifications(config, onError), undefined, schema);
  } else if (url.startsWith('pglite:')) {
    const location = url.slice('pglite:'.length);
    if (!location) throw new DatabaseConfigError(`Invalid database URL '${url}': expected pglite:memory or pglite:<directory>`);
    // PGlite creates only the last directory of the path: a fresh checkout has no ./.tuneforge yet.
    if (location !== 'memory') mkdirSync(location, { recursive: true });
    const pglite = new PGlite(location === 'memory' ? undefined : location);
    await pglite.waitReady;
    if (schema) await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}; SET search_path TO ${quoteIdentifier(schema)}`);
    const pool = new Pool({ ...createPgConfig(pglite), types: typeParsers });
    pool.on('error', onError);
    const notifications: NotificationSource = { listen: (channel, handler) => pglite.listen(channel, (payload) => handler(payload)), close: async () => {} };
    database = new Database(pool, 'pglite', notifications, () => pglite.close(), schema);
  } else {
    throw new DatabaseConfigError(`Invalid database URL '${redact(url)}': expected postgres://user:password@host:port/database, pglite:memory or pglite:<directory>`);
  }
  if (options.migrate !== false) {
    try {
      await migrate(database);
    } catch (error) {
      await database.close().catch(() => undefined);
      throw error;
    }
  }
  return database;
}

// Any fixed number: held while a schema is created (CREATE SCHEMA IF NOT EXISTS races with itself otherwise).
const SCHEMA_LOCK = 7_318_400_118;

async function createSchema(config: PoolConfig, schema: string): Promise<void> {
  const pool = new Pool({ ...config, options: undefined, max: 1 });
  try {
    await pool.query(`BEGIN; SELECT pg_advisory_xact_lock(${SCHEMA_LOCK}); CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}; COMMIT`);
  } finally {
    await pool.end();
  }
}

/** A URL as it may be shown: without its password. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
