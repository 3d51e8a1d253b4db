import { evaluationRunRequestedV1 } from '@tuneforge/contracts';
import { TaskRecords as ServiceTaskRecords, taskRecordsDir } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';

/** Where the evaluator records the tasks it accepted and has not answered yet, in the root store. */
export const EVALUATION_TASKS_ROOT = '_evaluator/tasks/';

/** The evaluator's task records (libs/service-kit's TaskRecords under `_evaluator/tasks/`): requests, heartbeats, claims. */
export class TaskRecords extends ServiceTaskRecords<typeof evaluationRunRequestedV1> {
  constructor(store: ArtifactStore) {
    super(store, evaluationRunRequestedV1, EVALUATION_TASKS_ROOT);
  }
}

/** Where one task's records live. */
export function dirOf(tenant: string, taskId: string): string {
  return taskRecordsDir(EVALUATION_TASKS_ROOT, tenant, taskId);
}
