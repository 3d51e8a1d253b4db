import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import type { Database } from '@tuneforge/database';

// Any fixed number: held while LangGraph's checkpointer migrates its tables (two orchestrators starting at once
// against a new database would otherwise race on its CREATE TABLE IF NOT EXISTS and its version rows).
const CHECKPOINTER_SETUP_LOCK = 7_318_400_170;

/**
 * The workflow's durable checkpointer: LangGraph's own Postgres saver on the metadata database's pool (a Postgres
 * server, or PGlite in process in embedded mode), so a restarted orchestrator finds every job's graph where it
 * stopped. Its tables (checkpoints, checkpoint_blobs, checkpoint_writes, checkpoint_migrations) go in the schema the
 * database uses: the one it was opened with (tests), else its connections' current schema (a `search_path` in the
 * URL), else `public`. `setup()` (the saver's own migrations) runs here, once per start.
 */
export async function openCheckpointer(database: Database): Promise<PostgresSaver> {
  const schema = database.schema ?? (await database.query<{ schema: string | null }>('SELECT current_schema() AS schema'))[0]?.schema ?? 'public';
  const saver = new PostgresSaver(database.pool, undefined, { schema });
  // PGlite is one connection in one process: nothing can race its setup, and a second connection would never come.
  if (database.kind === 'pglite' || (database.pool.options.max ?? 10) < 2) {
    await saver.setup();
    return saver;
  }
  // A session lock on a connection of its own; setup() takes another one from the pool.
  const lock = await database.pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [CHECKPOINTER_SETUP_LOCK]);
    try {
      await saver.setup();
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [CHECKPOINTER_SETUP_LOCK]);
    }
  } finally {
    lock.release();
  }
  return saver;
}
