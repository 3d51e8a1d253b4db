/** Retrieval: the job's knowledge documents are indexed before its data is prepared (jobs with documents only). */
import { retrievalIndexCompletedV1, retrievalIndexRequestedV1, type PayloadOf } from '@tuneforge/contracts';
import { cancelled, failed } from '../job-outcomes';
import { inboxKeys, workflowIds } from '../job-state';
import { overdue, taskWait } from '../stage-deadlines';
import { wait, type JobNode, type StageContext } from './stage-context';

type RetrievalResult = PayloadOf<typeof retrievalIndexCompletedV1>;

export function retrievalNodes({ publisher, status, event, deadlines }: StageContext): { requestRetrieval: JobNode; awaitRetrieval: JobNode } {
  return {
    requestRetrieval: async ({ job }) => {
      await status(job, 'validating_files');
      await publisher.publish(
        job,
        retrievalIndexRequestedV1,
        { taskId: workflowIds.retrievalTask(job.jobId), jobId: job.jobId, documents: job.files.documents!.map((key) => ({ key })), chunking: { size: 200, overlap: 40 }, bm25: { k1: 1.2, b: 0.75 } },
        'task/retrieval',
      );
      return { taskRequestedAt: Date.now() };
    },
    awaitRetrieval: async (state) => {
      const { job } = state;
      const resultKey = inboxKeys.retrieval(workflowIds.retrievalTask(job.jobId));
      const delivery = wait(taskWait(deadlines, state, 'retrieval', resultKey));
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const late = overdue(delivery, 'retrieval', resultKey);
      if (late) return { outcome: late, route: 'finish' };
      const result = delivery.value as RetrievalResult;
      const firstError = result.errors[0] ? `${result.errors[0].code} in ${result.errors[0].document}${result.errors[0].line ? `, line ${result.errors[0].line}` : ''}: expected ${result.errors[0].expected}` : '';
      if (result.status === 'failed') {
        return { outcome: failed('invalid_retrieval_documents', `No knowledge document could be indexed (${result.errorCount} error(s)); first: ${firstError}`, 'tuneforge.retrieval_documents'), route: 'finish' };
      }
      await event(job, 'documents-indexed', `Knowledge documents indexed: ${result.counts.indexedDocuments} of ${result.counts.documents}, ${result.counts.passages} passages`, 'info', { ...result.counts });
      if (result.errorCount > 0) await event(job, 'documents-skipped', `${result.counts.failedDocuments} document(s) skipped; first: ${firstError}`, 'warn');
      return { retrievalIndex: result.index };
    },
  };
}
