import type { PodRunSpec } from '@tuneforge/contracts';
import {
  loadStorageConfig,
  MAX_CREDENTIAL_SECONDS,
  MIN_CREDENTIAL_SECONDS,
  mintScopedCredentials,
  storageConfigEnv,
  storageEnvOf,
  type ArtifactStore,
  type RunStorageScope,
} from '@tuneforge/storage';

/** The storage settings of one launch of a run's pod, minted for it. */
export type PodStorageEnv = (spec: PodRunSpec) => Promise<Record<string, string>>;

/** The settings a pod must not get from anywhere but the minting below (TF_TRAIN_POD_ENV naming them is ignored). */
export const POD_CREDENTIAL_VARIABLES = ['TF_S3_ACCESS_KEY', 'TF_S3_SECRET_KEY', 'TF_S3_SESSION_TOKEN'] as const;

/** When a pod's credentials expire (ISO 8601), for its logs and errors. */
export const CREDENTIALS_EXPIRE_AT_VARIABLE = 'TF_S3_CREDENTIALS_EXPIRE_AT';

/**
 * What one run reads and writes in its tenant's store: the request's datasets, base model and the checkpoint it
 * resumes from (read), and its own prefix (apps/train-pod's run-keys.ts: `jobs/<job>/training/<run>`: checkpoints,
 * adapter, merged model, GGUF), where it also reads its own earlier checkpoints.
 */
export function runStorageScope(spec: PodRunSpec): RunStorageScope {
  const { request } = spec;
  const own = `jobs/${request.jobId}/training/${request.runId}`;
  const read = [...request.datasets, request.baseModel, ...(request.resumeFrom ? [request.resumeFrom] : [])].filter((prefix) => prefix !== own && !prefix.startsWith(`${own}/`));
  return { tenant: spec.tenant, read: [...new Set(read)], write: [own] };
}

/**
 * The storage environment of each pod the trainer launches. A filesystem store (embedded mode, one machine) is
 * shared as it is. A MinIO store never hands its own keys to a pod: each launch gets keys minted for that run alone
 * (`runStorageScope`), lasting `lifetimeSeconds` (the run's deadline), clamped to what MinIO allows. A relaunch
 * mints again, so a resumed run never carries keys past their life.
 */
export function podStorageEnv(store: ArtifactStore, lifetimeSeconds: number): PodStorageEnv {
  const shared = storageEnvOf(store);
  const config = loadStorageConfig(shared);
  if (config.driver === 'filesystem') return async () => shared;
  const seconds = Math.min(Math.max(Math.ceil(lifetimeSeconds), MIN_CREDENTIAL_SECONDS), MAX_CREDENTIAL_SECONDS);
  return async (spec) => {
    const credentials = await mintScopedCredentials(config, runStorageScope(spec), seconds);
    return { ...storageConfigEnv({ ...config, ...credentials }), [CREDENTIALS_EXPIRE_AT_VARIABLE]: credentials.expiresAt.toISOString() };
  };
}

/**
 * The operator's extra pod environment without the storage credentials it names when the store is MinIO: those are
 * minted per run, and a pod with the operator's own keys would hold bucket-wide rights again.
 */
export function withoutCredentials(store: ArtifactStore, env: Record<string, string>): { env: Record<string, string>; dropped: string[] } {
  if (loadStorageConfig(storageEnvOf(store)).driver !== 'minio') return { env, dropped: [] };
  const dropped = POD_CREDENTIAL_VARIABLES.filter((name) => name in env);
  return { env: Object.fromEntries(Object.entries(env).filter(([name]) => !dropped.includes(name as (typeof POD_CREDENTIAL_VARIABLES)[number]))), dropped };
}
