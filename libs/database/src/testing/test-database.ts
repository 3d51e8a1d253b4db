import { randomBytes } from 'node:crypto';
import type { Database } from '../database';
import { openDatabase } from '../open-database';

/**
 * A migrated database of a test's own: on the Postgres server `serverUrl` names, in a fresh schema (integration
 * tests against the real server), else PGlite in memory (unit tests, embedded mode). Drop it when done.
 */
export function openTestDatabase(serverUrl?: string): Promise<Database> {
  if (!serverUrl) return openDatabase('pglite:memory');
  return openDatabase(serverUrl, { schema: `test_${randomBytes(6).toString('hex')}` });
}

/** Closes a test database; on a server its schema is dropped first (PGlite in memory goes with its instance). */
export async function dropTestDatabase(database: Database): Promise<void> {
  if (database.kind === 'postgres' && database.schema?.startsWith('test_')) await database.query(`DROP SCHEMA "${database.schema}" CASCADE`);
  await database.close();
}
