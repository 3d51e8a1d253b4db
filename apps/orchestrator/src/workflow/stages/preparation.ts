/** Preparation: the datagen service validates and prepares the training data (again when a patch changes it). */
import { dataPreparationCompletedV1, dataPreparationRequestedV1, type PayloadOf } from '@tuneforge/contracts';
import { cancelled, failed } from '../job-outcomes';
import { inboxKeys, workflowIds } from '../job-state';
import { overdue, taskWait } from '../stage-deadlines';
import { configOf, tag, wait, type JobNode, type StageContext } from './stage-context';

type PreparationResult = PayloadOf<typeof dataPreparationCompletedV1>;

/** Passages added to each training sample when the job has knowledge documents. */
const RETRIEVED_PASSAGES_PER_SAMPLE = 3;

export function preparationNodes({ publisher, status, event, deadlines }: StageContext): { requestPreparation: JobNode; awaitPreparation: JobNode } {
  return {
    requestPreparation: async (state) => {
      const { job, iteration } = state;
      const config = configOf(state);
      if (iteration === 1) await status(job, 'validating_files');
      await publisher.publish(
        job,
        dataPreparationRequestedV1,
        {
          taskId: workflowIds.preparationTask(job.jobId, iteration),
          jobId: job.jobId,
          files: { training: job.files.training, ...(job.files.validation ? { validation: job.files.validation } : {}) },
          data: config.data,
          synthesis: config.synthesis,
          objective: config.training.objective ?? 'sft',
          tools: job.tools,
          taskDescription: job.taskDescription,
          tokenizer: job.model,
          ...(state.retrievalIndex ? { retrieval: { index: state.retrievalIndex, k: RETRIEVED_PASSAGES_PER_SAMPLE, placement: 'system' as const } } : {}),
        },
        `task/preparation${tag(iteration)}`,
      );
      return { taskRequestedAt: Date.now() };
    },
    awaitPreparation: async (state) => {
      const { job, iteration } = state;
      const resultKey = inboxKeys.preparation(workflowIds.preparationTask(job.jobId, iteration));
      const delivery = wait(taskWait(deadlines, state, 'preparation', resultKey));
      if (delivery.key === inboxKeys.cancel) return { outcome: cancelled(), route: 'finish' };
      const late = overdue(delivery, 'preparation', resultKey);
      if (late) return { outcome: late, route: 'finish' };
      const result = delivery.value as PreparationResult;
      if (result.status === 'failed') {
        const first = result.errors[0];
        const where = [first.file, first.line !== undefined ? `line ${first.line}` : '', first.field].filter(Boolean).join(', ');
        const message = `${result.errorCount} error(s) in the training data; first: ${first.code} at ${where}: expected ${first.expected}`;
        return { outcome: failed('invalid_training_file', message, 'training_file'), route: 'finish' };
      }
      await event(job, `data-prepared${tag(iteration)}`, `Data prepared: ${result.counts.trainRecords} training and ${result.counts.validationRecords} validation records`, 'info', { ...result.counts, iteration });
      return { dataset: result.artifacts.dataset, report: result.artifacts.report, route: 'requestTraining' };
    },
  };
}
