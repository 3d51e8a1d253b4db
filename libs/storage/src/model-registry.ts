import { BASE_MODEL_NAME, MODEL_ARTIFACT_KIND, modelArtifactPrefix, parseFineTunedModelName } from '@tuneforge/contracts';
import { artifactManifestSchema, manifestKey } from './artifact-manifest';
import type { ArtifactStore } from './artifact-store';
import { ArtifactWriter } from './artifact-writer';
import { commitLocalDirectory } from './commit-local-directory';
import { openArtifact } from './committed-artifact';
import { ArtifactExistsError, ArtifactNotFoundError } from './errors';
import { listCommittedArtifacts } from './list-committed-artifacts';
import type { ModelRecord, ModelRecords } from './model-records';
import { OPERATOR_SCOPE, operatorScope } from './tenant-scoped-artifact-store';

/** A model as the API lists it (OpenAI's `model` object) with the artifact behind it. */
export interface KnownModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  kind: 'base' | ModelRecord['kind'];
  artifact: string;
  adapter: string | null;
  /** The base model's artifact a fine-tuned model started from (its adapter applies over it); null for a base. */
  baseArtifact: string | null;
  jobId: string | null;
}

/** Operator models being copied into a tenant by this process, by `<tenant>/<name>`. */
const COPIES_IN_FLIGHT = new Map<string, Promise<void>>();
/** How long a first use waits for another process's copy of the same model to commit. */
const COPY_WAIT_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BASE_PREFIX = `${modelArtifactPrefix('')}`;

/**
 * The one answer to "what is this model name" for a tenant: a base model's name is its committed model
 * artifact at `models/<name>`; an `ft:` name is a record written when its job (or checkpoint) produced it,
 * kept in `records` (the metadata database's `models` table). Records are create-only (a name once given keeps its
 * artifact). A registry without records (the operator's, or a setup tool's) handles base models only: its
 * fine-tuned operations throw.
 *
 * Operator-wide base models live in the operator's scope (`operatorScope`) and are listed for every tenant,
 * owned by `system`. A tenant's own base model of the same name wins. The first time a tenant resolves one
 * (a job or a chat names it), it is copied into the tenant's scope, so every service keeps reading models
 * from the tenant's own store only.
 */
export class ModelRegistry {
  constructor(
    private readonly store: ArtifactStore,
    private readonly owner: string,
    private readonly records: ModelRecords | undefined,
    private readonly operator?: ArtifactStore,
  ) {}

  /** A tenant's registry over a deployment's root store and model records, operator-wide models included. */
  static forTenant(root: ArtifactStore, tenant: string, records: ModelRecords): ModelRegistry {
    return new ModelRegistry(root.forTenant(tenant), tenant, records, operatorScope(root));
  }

  /** The operator's registry (base models only): `addBaseModel` here registers a base model for every tenant. */
  static forOperator(root: ArtifactStore): ModelRegistry {
    return new ModelRegistry(operatorScope(root), OPERATOR_SCOPE, undefined);
  }

  /** Registers a fine-tuned model's name; the same record again is a no-op, another artifact under the name is refused. */
  async register(record: ModelRecord): Promise<void> {
    await this.requireRecords().put(this.owner, record);
  }

  /**
   * Makes the Hugging Face model directory `dir` the tenant's base model `name` (a committed model artifact at
   * models/<name>, what a job's `model` names). A base model already registered under the name is kept: the
   * answer says which happened. Files an interrupted earlier registration left under the prefix are replaced.
   */
  async addBaseModel(name: string, dir: string): Promise<'registered' | 'already registered'> {
    if (!BASE_MODEL_NAME.test(name)) throw new Error(`'${name}' is not a valid base model name (${BASE_MODEL_NAME.source})`);
    const prefix = modelArtifactPrefix(name);
    if ((await committedModelTime(this.store, prefix)) !== undefined) return 'already registered';
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
    const created = await committedModelTime(this.store, modelArtifactPrefix(name));
    if (created !== undefined) return this.base(name, created, await this.copiedFromOperator(name));
    if (!this.operator || (await committedModelTime(this.operator, modelArtifactPrefix(name))) === undefined) return undefined;
    await this.copyFromOperator(name);
    return this.resolve(name);
  }

  /** Every model of the tenant: the base models (its own and the operator's), then the fine-tuned models and checkpoints, each by creation time. */
  async list(): Promise<KnownModel[]> {
    const bases = new Map<string, KnownModel>();
    for (const [store, owner] of [[this.operator, OPERATOR_SCOPE], [this.store, this.owner]] as const) {
      if (!store) continue;
      for await (const ref of listCommittedArtifacts(store, BASE_PREFIX)) {
        const name = ref.prefix.slice(BASE_PREFIX.length);
        if (!BASE_MODEL_NAME.test(name)) continue;
        const created = await committedModelTime(store, ref.prefix);
        // A tenant's copy of an operator model stays the operator's; a tenant's own model of that name replaces it.
        if (created !== undefined && !(owner !== OPERATOR_SCOPE && bases.has(name) && (await this.copiedFromOperator(name))))
          bases.set(name, this.base(name, created, owner === OPERATOR_SCOPE));
      }
    }
    const tuned = this.records ? (await this.records.list(this.owner)).map((record) => this.known(record)) : [];
    const byTime = (a: KnownModel, b: KnownModel) => a.created - b.created || (a.id < b.id ? -1 : 1);
    return [...[...bases.values()].sort(byTime), ...tuned];
  }

  /** Forgets a fine-tuned model's name (its artifacts stay with the job); false when there was none. Base models are not deleted here. */
  async delete(name: string): Promise<boolean> {
    return parseFineTunedModelName(name) ? this.requireRecords().delete(this.owner, name) : false;
  }

  private record(name: string): Promise<ModelRecord | undefined> {
    return this.requireRecords().get(this.owner, name);
  }

  private requireRecords(): ModelRecords {
    if (!this.records) throw new Error(`the model registry of ${this.owner} has no model records: it handles base models only`);
    return this.records;
  }

  /** Whether the tenant's base model `name` is a copy of an operator-wide model (its manifest says so). */
  private async copiedFromOperator(name: string): Promise<boolean> {
    try {
      const manifest = await this.store.getJson(manifestKey(modelArtifactPrefix(name)), artifactManifestSchema);
      return manifest.metadata?.scope === OPERATOR_SCOPE;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return false;
      throw error;
    }
  }

  /**
   * Copies the operator's base model `name` into the tenant's scope, file by file through this process (the store
   * interface has no server-side copy). First uses at once in this process share one copy; another process copying
   * the same model (its files refused as existing) is waited for until it commits.
   */
  private copyFromOperator(name: string): Promise<void> {
    const key = `${this.owner}/${name}`;
    let copying = COPIES_IN_FLIGHT.get(key);
    if (!copying) {
      copying = this.copyOnce(name).finally(() => COPIES_IN_FLIGHT.delete(key));
      COPIES_IN_FLIGHT.set(key, copying);
    }
    return copying;
  }

  private async copyOnce(name: string): Promise<void> {
    const prefix = modelArtifactPrefix(name);
    const source = await openArtifact(this.operator!, prefix);
    try {
      const writer = await ArtifactWriter.begin(this.store, prefix, { kind: MODEL_ARTIFACT_KIND, metadata: { ...source.manifest.metadata, name, scope: OPERATOR_SCOPE }, replaceUncommitted: true });
      for (const file of source.manifest.files) await writer.addFile(file.path, await source.openFile(file.path));
      await writer.commit();
    } catch (error) {
      if (!(error instanceof ArtifactExistsError)) throw error;
      for (const started = Date.now(); (await committedModelTime(this.store, prefix)) === undefined; await sleep(250))
        if (Date.now() - started > COPY_WAIT_MS) throw new Error(`another copy of base model ${name} into tenant ${this.owner} did not commit within ${COPY_WAIT_MS / 1000} s`);
    }
  }

  private base(name: string, created: number, operatorWide = false): KnownModel {
    return { id: name, object: 'model', created, owned_by: operatorWide ? OPERATOR_SCOPE : this.owner, kind: 'base', artifact: modelArtifactPrefix(name), adapter: null, baseArtifact: null, jobId: null };
  }

  private known(record: ModelRecord): KnownModel {
    return { id: record.id, object: 'model', created: record.created, owned_by: this.owner, kind: record.kind, artifact: record.artifact, adapter: record.adapter, baseArtifact: record.baseArtifact, jobId: record.jobId };
  }
}

/** When the model artifact under `prefix` was committed (Unix seconds); undefined when it is not a committed model. */
async function committedModelTime(store: ArtifactStore, prefix: string): Promise<number | undefined> {
  try {
    const manifest = await store.getJson(manifestKey(prefix), artifactManifestSchema);
    return manifest.kind === MODEL_ARTIFACT_KIND ? Math.floor(Date.parse(manifest.createdAt) / 1000) || 0 : undefined;
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return undefined;
    throw error;
  }
}
