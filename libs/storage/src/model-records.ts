import type { Database } from '@tuneforge/database';
import { z } from 'zod';

/** What a fine-tuned model's (or checkpoint's) name stands for, as the registry keeps it. */
export const modelRecordSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['fine-tuned', 'checkpoint']),
    /** The committed model artifact (a Hugging Face directory) the name serves. */
    artifact: z.string().min(1),
    /** The LoRA adapter beside it, when the run trained one (served over the base without merging). */
    adapter: z.string().min(1).nullable(),
    /** The artifact of the base model the job started from. */
    baseArtifact: z.string().min(1),
    jobId: z.string().min(1),
    /** Unix seconds. */
    created: z.number().int().nonnegative(),
  })
  .strict();
export type ModelRecord = z.infer<typeof modelRecordSchema>;

export class ModelNameTakenError extends Error {
  override readonly name = 'ModelNameTakenError';
  constructor(readonly modelName: string) {
    super(`the model name ${modelName} is already registered for another artifact`);
  }
}

/** Where the registry keeps fine-tuned and checkpoint model records, per owner (a tenant). */
export interface ModelRecords {
  /**
   * Creates the record; the same name with the same artifact again is a no-op, another artifact under the name is
   * refused with ModelNameTakenError (a name once given keeps its artifact).
   */
  put(owner: string, record: ModelRecord): Promise<void>;
  get(owner: string, id: string): Promise<ModelRecord | undefined>;
  /** The owner's records by creation time (then name). */
  list(owner: string): Promise<ModelRecord[]>;
  /** Forgets the record; false when there was none. */
  delete(owner: string, id: string): Promise<boolean>;
}

/** Model records in the metadata database's `models` table (`tenant` = the owner, `record` = the ModelRecord). */
export class DatabaseModelRecords implements ModelRecords {
  constructor(private readonly db: Database) {}

  async put(owner: string, record: ModelRecord): Promise<void> {
    const value = modelRecordSchema.parse(record);
    const inserted = await this.db.query(
      `INSERT INTO models (tenant, id, kind, created_at, record) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant, id) DO NOTHING RETURNING id`,
      [owner, value.id, value.kind, value.created, JSON.stringify(value)],
    );
    if (inserted.length > 0) return;
    const existing = await this.get(owner, value.id);
    if (existing?.artifact !== value.artifact) throw new ModelNameTakenError(value.id);
  }

  async get(owner: string, id: string): Promise<ModelRecord | undefined> {
    const [row] = await this.db.query<{ record: unknown }>('SELECT record FROM models WHERE tenant = $1 AND id = $2', [owner, id]);
    return row && modelRecordSchema.parse(row.record);
  }

  async list(owner: string): Promise<ModelRecord[]> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM models WHERE tenant = $1 ORDER BY created_at, id COLLATE "C"', [owner]);
    return rows.map((row) => modelRecordSchema.parse(row.record));
  }

  async delete(owner: string, id: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM models WHERE tenant = $1 AND id = $2 RETURNING id', [owner, id])).length > 0;
  }
}
