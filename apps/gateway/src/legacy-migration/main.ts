/**
 * `npm run migrate-metadata [-- tenant...]`: the one-shot copy of the gateway's records from the artifact store
 * (before issue #17) into the metadata database. Reads the same environment as the services: the store from
 * TF_STORAGE_DRIVER / TF_S3_* / TF_ARTIFACT_DIR, the database from TF_DATABASE_URL. Safe to run again.
 */
import { openDatabase, redact } from '@tuneforge/database';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { migrateStoreMetadata } from './migrate-store-metadata';

async function main(): Promise<void> {
  const url = process.env.TF_DATABASE_URL;
  if (!url) throw new Error('TF_DATABASE_URL is not set: name the database to migrate into (postgres://... or pglite:<directory>)');
  const store = createArtifactStoreFromEnv(process.env);
  const database = await openDatabase(url);
  try {
    const tenants = process.argv.slice(2);
    const results = await migrateStoreMetadata(store, database, tenants.length ? tenants : undefined);
    process.stdout.write(`into ${redact(url)}:\n`);
    for (const r of results) {
      process.stdout.write(
        `  ${r.tenant}: ${r.files} files, ${r.jobs} jobs, ${r.statuses} statuses, ${r.events} events, ${r.checkpoints} checkpoints, ${r.approvals} questions, ${r.answers} answers, ${r.iterations} iterations, ${r.models} model names written\n`,
      );
      for (const skipped of r.skipped) process.stdout.write(`    skipped ${skipped}\n`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  process.stderr.write(`migrate-metadata: ${(error as Error).message}\n`);
  process.exit(1);
});
