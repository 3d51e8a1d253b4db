import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Umzug, type UmzugStorage } from 'umzug';
import type { Database, Queryable } from './database';

/** The SQL migrations, applied in file name order: `migrations/NNNN_<what>.sql`, never edited once released. */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

// Any fixed number: whoever holds this advisory lock is migrating (services starting together take turns).
const MIGRATION_LOCK = 7_318_400_117;

export function migrationFiles(dir: string = MIGRATIONS_DIR): { name: string; sql: string }[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ name: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') }));
}

/** The names umzug has applied, kept in `schema_migrations` (in the database's schema). */
function tableStorage(tx: Queryable): UmzugStorage {
  return {
    executed: async () => (await tx.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).map((row) => row.name),
    logMigration: async ({ name }) => {
      await tx.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [name, Math.floor(Date.now() / 1000)]);
    },
    unlogMigration: async ({ name }) => {
      await tx.query('DELETE FROM schema_migrations WHERE name = $1', [name]);
    },
  };
}

/**
 * Applies the pending migrations with umzug, all in one transaction under an advisory lock: a service that
 * starts while another migrates waits, then finds nothing left to do; a failing migration leaves nothing behind.
 * Returns the names applied now.
 */
export async function migrate(database: Database, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  return database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at bigint NOT NULL)');
    const umzug = new Umzug({
      migrations: files.map(({ name, sql }) => ({
        name,
        up: async () => {
          try {
            await tx.query(sql);
          } catch (error) {
            throw new Error(`Migration ${name} failed: ${(error as Error).message}`);
          }
        },
      })),
      storage: tableStorage(tx),
      logger: undefined,
    });
    return (await umzug.up()).map((migration) => migration.name);
  });
}
