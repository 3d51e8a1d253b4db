/** Where a job begins: ended at once by an early cancel, otherwise on to its documents or its data. */
import { cancelled } from '../job-outcomes';
import { inboxKeys } from '../job-state';
import type { JobNode, StageContext } from './stage-context';

export function startNodes({ records }: StageContext): { start: JobNode } {
  return {
    // A cancel can arrive before the job's creation is handled (another topic): it ends the job before any task.
    start: async ({ job }) => {
      if (await records.has(job.jobId, inboxKeys.cancel)) return { outcome: cancelled(), route: 'finish' };
      return { route: job.files.documents?.length ? 'requestRetrieval' : 'requestPreparation' };
    },
  };
}
