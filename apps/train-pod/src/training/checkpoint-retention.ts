import { checkpointMetricsSchema } from '@tuneforge/contracts';
import { artifactManifestSchema, deleteArtifact, listCommittedArtifacts, MANIFEST_FILE_NAME, type ArtifactStore } from '@tuneforge/storage';
import { stepOfCheckpoint } from './run-keys';

/** A committed checkpoint of the run, with the loss that ranks it. */
export interface KeptCheckpoint {
  step: number;
  prefix: string;
  /** Validation loss when the checkpoint measured one, else its training loss; undefined when its manifest says neither. */
  loss?: number;
}

/**
 * The checkpoints to delete so that `keep` remain: the newest `keep`, plus the one of lowest loss when it is older
 * (a run that overfits keeps the model a user would pick). Ties in loss keep the newer checkpoint.
 */
export function checkpointsToRetire(checkpoints: readonly KeptCheckpoint[], keep: number): KeptCheckpoint[] {
  const newestFirst = [...checkpoints].sort((a, b) => b.step - a.step);
  const kept = new Set(newestFirst.slice(0, keep).map((c) => c.step));
  let best: KeptCheckpoint | undefined;
  for (const c of newestFirst) if (c.loss !== undefined && (best?.loss === undefined || c.loss < best.loss)) best = c;
  if (best) kept.add(best.step);
  return newestFirst.filter((c) => !kept.has(c.step)).sort((a, b) => a.step - b.step);
}

/** The run's committed checkpoints under `checkpointsPrefix`, each ranked by the metrics its manifest recorded. */
export async function committedCheckpoints(store: ArtifactStore, checkpointsPrefix: string): Promise<KeptCheckpoint[]> {
  const out: KeptCheckpoint[] = [];
  for await (const ref of listCommittedArtifacts(store, checkpointsPrefix)) {
    const step = stepOfCheckpoint(ref.prefix);
    if (step === undefined) continue;
    const manifest = await store.getJson(`${ref.prefix}/${MANIFEST_FILE_NAME}`, artifactManifestSchema);
    const metrics = checkpointMetricsSchema.safeParse(manifest.metadata?.metrics);
    const loss = metrics.success ? (metrics.data.valid_loss ?? metrics.data.train_loss) : undefined;
    out.push({ step, prefix: ref.prefix, loss: loss !== undefined && Number.isFinite(loss) ? loss : undefined });
  }
  return out;
}

/** Deletes retired checkpoints' files (after their retirement was announced: a crash in between leaves files, never names without files). */
export async function deleteCheckpoints(store: ArtifactStore, retired: readonly KeptCheckpoint[]): Promise<void> {
  for (const c of retired) await deleteArtifact(store, c.prefix);
}
