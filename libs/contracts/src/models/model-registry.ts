/**
 * Base models are registered as committed model artifacts (a Hugging Face model directory with its
 * manifest) at `models/<name>` in the tenant's store; a job's `model` is `<name>`.
 */
export const MODEL_ARTIFACT_KIND = 'model';

export function modelArtifactPrefix(name: string): string {
  return `models/${name}`;
}
