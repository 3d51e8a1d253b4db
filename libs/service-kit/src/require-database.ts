import type { Database } from '@tuneforge/database';

/**
 * The injected DATABASE of a service that keeps metadata: a service started without one (a misconfigured
 * deployment, a test harness that forgot it) fails at start with the variable to set, not at its first request.
 */
export function requireDatabase(database: Database | null | undefined, service: string): Database {
  if (!database) throw new Error(`${service} keeps its metadata in a database: set TF_DATABASE_URL (postgres://... or pglite:<directory>)`);
  return database;
}
