import { fineTunedModelName, modelArtifactPrefix } from '@tuneforge/contracts';
import { ModelRegistry, type ArtifactStore, type ModelRecords } from '@tuneforge/storage';
import type { JobInput, ModelNamer } from './job-state';

/**
 * Names a job's fine-tuned model `ft:<base>:<tenant>:<suffix>:<short job id>` and registers it in the tenant's
 * model registry (create-only: naming the same model again after a restart changes nothing).
 */
export class RegistryModelNamer implements ModelNamer {
  constructor(
    private readonly store: ArtifactStore,
    private readonly records: ModelRecords,
  ) {}

  nameModel(job: JobInput, model: { artifact: string; adapter: string | null }): Promise<string> {
    return this.register(job, 'fine-tuned', model.artifact, model.adapter);
  }

  /** A training checkpoint's name, `ft:...:ckpt-step-<n>`, registered the same way. */
  nameCheckpoint(job: JobInput, artifact: string, step: number): Promise<string> {
    return this.register(job, 'checkpoint', artifact, null, step);
  }

  /** Forgets a retired checkpoint's name (retention deleted its files); false when it had none. */
  forgetCheckpoint(job: JobInput, step: number): Promise<boolean> {
    const name = fineTunedModelName({ base: job.modelName ?? baseNameOf(job.model), owner: job.tenant, suffix: job.suffix, jobId: job.jobId, checkpointStep: step });
    return ModelRegistry.forTenant(this.store, job.tenant, this.records).delete(name);
  }

  private async register(job: JobInput, kind: 'fine-tuned' | 'checkpoint', artifact: string, adapter: string | null, checkpointStep?: number): Promise<string> {
    const name = fineTunedModelName({ base: job.modelName ?? baseNameOf(job.model), owner: job.tenant, suffix: job.suffix, jobId: job.jobId, checkpointStep });
    const registry = ModelRegistry.forTenant(this.store, job.tenant, this.records);
    await registry.register({ id: name, kind, artifact, adapter, baseArtifact: job.model, jobId: job.jobId, created: Math.floor(Date.now() / 1000) });
    return name;
  }
}

/** `models/<name>` → `<name>`; any other artifact path keeps its last part. */
function baseNameOf(artifact: string): string {
  return artifact.startsWith(modelArtifactPrefix('')) ? artifact.slice(modelArtifactPrefix('').length) : (artifact.split('/').pop() ?? artifact);
}
