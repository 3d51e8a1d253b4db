import { BASE_MODEL_NAME, MODEL_ARTIFACT_KIND, modelArtifactPrefix, parseFineTunedModelName } from '@tuneforge/contracts';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { artifactManifestSchema, manifestKey } from './artifact-manifest';
import type { ArtifactStore } from './artifact-store';
import { commitLocalDirectory } from './commit-local-directory';
import { ArtifactExistsError, ArtifactNotFoundError } from './errors';
import { listCommittedArtifacts } from './list-committed-artifacts';

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

/** A model as the API lists it (OpenAI's `model` object) with the artifact behind it. */
export interface KnownModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  kind: 'base' | ModelRecord['kind'];
  artifact: string;
  adapter: string | null;
  jobId: string | null;
}

export class ModelNameTakenError extends Error {
  override readonly name = 'ModelNameTakenError';
  constructor(readonly modelName: string) {
    super(`the model name ${modelName} is already registered for another artifact`);
  }
}

const REGISTRY_PREFIX = 'registry/models/';
const BASE_PREFIX = `${modelArtifactPrefix('')}`;

/**
 * The one answer to "what is this model name" for a tenant: a base model's name is its committed model
 * artifact at `models/<name>`; an `ft:` name is a record written when its job (or checkpoint) produced it.
 * Records are create-only (a name once given keeps its artifact), keyed by the name's sha256.
 */
export class ModelRegistry {
  constructor(
    private readonly store: ArtifactStore,
    private readonly owner: string,
  ) {}

  /** Registers a fine-tuned model's name; the same record again is a no-op, another artifact under the name is refused. */
  async register(record: ModelRecord): Promise<void> {
    const value = modelRecordSchema.parse(record);
    try {
      await this.store.put(recordKey(value.id), JSON.stringify(value), { contentType: 'application/json' });
    } catch (error) {
      if (!(error instanceof ArtifactExistsError)) throw error;
      const existing = await this.record(value.id);
      if (existing?.artifact !== value.artifact) throw new ModelNameTakenError(value.id);
    }
  }

  /**
   * Makes the Hugging Face model directory `dir` the tenant's base model `name` (a committed model artifact at
   * models/<name>, what a job's `model` names). A base model already registered under the name is kept: the
   * answer says which happened. Files an interrupted earlier registration left under the prefix are replaced.
   */
  async addBaseModel(name: string, dir: string): Promise<'registered' | 'already registered'> {
    if (!BASE_MODEL_NAME.test(name)) throw new Error(`'${name}' is not a valid base model name (${BASE_MODEL_NAME.source})`);
    const prefix = modelArtifactPrefix(name);
    if ((await this.committedModelTime(prefix)) !== undefined) return 'already registered';
    await commitLocalDirectory(this.store, prefix, dir, { kind: MODEL_ARTIFACT_KIND, metadata: { name }, replaceUncommitted: true });
    return 'registered';
  }

  /** The model a name stands for; undefined when this tenant has no such model. */
  async resolve(name: string): Promise<KnownModel | undefined> {
    if (parseFineTunedModelName(name)) {
      const record = await this.record(name);
      return record && this.known(record);
    }
    if (!BASE_MODEL_NAME.test(name)) return undefined;
    const created = await this.committedModelTime(modelArtifactPrefix(name));
    return created === undefined ? undefined : this.base(name, created);
  }

  /** Every model of the tenant: the base models, then the fine-tuned models and checkpoints, each by creation time. */
  async list(): Promise<KnownModel[]> {
    const bases: KnownModel[] = [];
    for await (const ref of listCommittedArtifacts(this.store, BASE_PREFIX)) {
      const name = ref.prefix.slice(BASE_PREFIX.length);
      if (!BASE_MODEL_NAME.test(name)) continue;
      const created = await this.committedModelTime(ref.prefix);
      if (created !== undefined) bases.push(this.base(name, created));
    }
    const tuned: KnownModel[] = [];
    for await (const entry of this.store.list(REGISTRY_PREFIX)) {
      const record = modelRecordSchema.safeParse(await this.store.getJson(entry.key).catch(() => undefined));
      if (record.success) tuned.push(this.known(record.data));
    }
    const byTime = (a: KnownModel, b: KnownModel) => a.created - b.created || (a.id < b.id ? -1 : 1);
    return [...bases.sort(byTime), ...tuned.sort(byTime)];
  }

  /** Forgets a fine-tuned model's name (its artifacts stay with the job); false when there was none. Base models are not deleted here. */
  async delete(name: string): Promise<boolean> {
    if (!parseFineTunedModelName(name) || !(await this.record(name))) return false;
    await this.store.delete(recordKey(name));
    return true;
  }

  private async record(name: string): Promise<ModelRecord | undefined> {
    try {
      return await this.store.getJson(recordKey(name), modelRecordSchema);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
  }

  /** When the model artifact was committed (Unix seconds); undefined when it is not a committed model. */
  private async committedModelTime(prefix: string): Promise<number | undefined> {
    try {
      const manifest = await this.store.getJson(manifestKey(prefix), artifactManifestSchema);
      return manifest.kind === MODEL_ARTIFACT_KIND ? Math.floor(Date.parse(manifest.createdAt) / 1000) || 0 : undefined;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
  }

  private base(name: string, created: number): KnownModel {
    return { id: name, object: 'model', created, owned_by: this.owner, kind: 'base', artifact: modelArtifactPrefix(name), adapter: null, jobId: null };
  }

  private known(record: ModelRecord): KnownModel {
    return { id: record.id, object: 'model', created: record.created, owned_by: this.owner, kind: record.kind, artifact: record.artifact, adapter: record.adapter, jobId: record.jobId };
  }
}

function recordKey(name: string): string {
  return `${REGISTRY_PREFIX}${createHash('sha256').update(name).digest('hex')}.json`;
}
