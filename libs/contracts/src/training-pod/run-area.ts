/**
 * A training run's own area of the tenant's store: what its pod writes (checkpoints, exports, rollouts) lies under
 * `jobs/<jobId>/training/<runId>/` (apps/train-pod's run-keys). Services that read a pod's messages check the artifacts
 * they name against it (docs/security.md): a pod's message is a claim, not a fact.
 */
export function runArea(jobId: string, runId: string): string {
  return `jobs/${jobId}/training/${runId}/`;
}

/** Whether `artifact` lies inside the run's area, with no empty, `.` or `..` segment that could climb out of it. */
export function insideRunArea(artifact: string, jobId: string, runId: string): boolean {
  if (!artifact.startsWith(runArea(jobId, runId))) return false;
  return artifact.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
