/**
 * A task's index lives under its job and task id: a redelivered or re-sent task finds what an earlier
 * attempt committed instead of indexing again, and an attempt killed half-way leaves files without a
 * manifest that the next attempt of the same task (the prefix's only owner) replaces.
 */
export function indexArtifactKey(jobId: string, taskId: string): string {
  return `jobs/${jobId}/retrieval/${taskId}/index`;
}
