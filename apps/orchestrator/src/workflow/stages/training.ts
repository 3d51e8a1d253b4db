/** Training: the trainer runs the iteration's training; a cancel (or a rejected halfway question) stops the run. */
import { trainingRunCompletedV1, trainingRunRequestedV1, type PayloadOf } from '@tuneforge/contracts';
import { cancelled, failed, succeededWith } from '../job-outcomes';
import { inboxKeys, workflowIds, type HalfwayReport, type TrainedModel } from '../job-state';
import { configOf, tag, wait, type JobNode, type StageContext } from './stage-context';

type TrainingResult = PayloadOf<typeof trainingRunCompletedV1>;

export function trainingNodes({ publisher, status, event, control, record }: StageContext): { requestTraining: JobNode; awaitTraining: JobNode; cancelTraining: JobNode } {
  return {
    requestTraining: async (state) => {
      const { job, iteration, dataset } = state;
      const config = configOf(state);
      const runId = workflowIds.trainingRun(job.jobId, iteration);
      if (iteration === 1) {
        await status(job, 'queued');
        await status(job, 'running');
      }
      await publisher.publish(
        job,
        trainingRunRequestedV1,
        { runId, jobId: job.jobId, baseModel: job.model, datasets: [dataset!], training: config.training, maxSequenceLength: config.data.maxSequenceLength, packing: config.data.packing, agentTokens: config.data.agentTokens, ...(config.model.dtype === 'auto' ? {} : { dtype: config.model.dtype }), ...(config.training.objective === 'reinforcement' && state.retrievalIndex ? { retrievalIndex: state.retrievalIndex } : {}) },
        `task/training${tag(iteration)}`,
      );
      await event(job, `training-started${tag(iteration)}`, `Training started (run ${runId}${iteration > 1 ? `, iteration ${iteration}` : ''})`, 'info', { iteration, run_id: runId });
      return { runId, halfwayAsked: false, halfway: null, approvalId: null, pausedForApproval: false, trained: null, divergedAt: null, trainingError: null, evaluation: null, findings: [], patch: null };
    },
    awaitTraining: async (state) => {
      const { job, runId, halfwayAsked, cancelRequested, iteration } = state;
      // A cancel wins over anything that arrived with it; once asked, only the run's end is awaited.
      const waitFor: string[] = cancelRequested ? [] : [inboxKeys.cancel];
      waitFor.push(inboxKeys.trainingCompleted(runId!));
      if (!halfwayAsked && !cancelRequested) waitFor.push(inboxKeys.trainingHalfway(runId!));
      const delivery = wait({ waitFor });
      if (delivery.key === inboxKeys.cancel) return { cancelRequested: true, route: 'cancelTraining' };
      if (delivery.key === inboxKeys.trainingHalfway(runId!)) return { halfway: delivery.value as HalfwayReport, route: 'askHalfway' };
      const result = delivery.value as TrainingResult;
      // A run that ended before the cancel reached it still ends a cancelled job: its model is not kept.
      if (result.status === 'cancelled' || cancelRequested) return { outcome: cancelled(), route: 'finish' };
      if (result.status === 'failed') {
        const config = configOf(state);
        // A diverged run is a wrong setting, not a broken job: with the loop on, the debugger reads its curve.
        if (result.diverged && config.evaluation.enabled && iteration < config.iterations.max) {
          await event(job, `training-diverged-${iteration}`, `Training diverged at step ${result.step} (${result.error}); diagnosing`, 'warn', { iteration, step: result.step });
          return { divergedAt: result.step, trainingError: result.error, route: 'requestDiagnosis' };
        }
        return { outcome: failed('training_failed', result.error, null), route: 'finish' };
      }
      const trained: TrainedModel = { model: result.artifacts.merged, adapter: result.artifacts.adapter ?? null, gguf: result.artifacts.gguf ?? null, ...(result.artifacts.rollouts ? { rollouts: result.artifacts.rollouts } : {}), steps: result.steps, finalLoss: result.finalLoss };
      const trainedTokens = state.trainedTokens + (result.trainedTokens ?? 0);
      await event(job, `training-completed${tag(iteration)}`, `Training completed after ${result.steps} steps, final loss ${result.finalLoss.toFixed(4)}`, 'info', { iteration, steps: result.steps, final_loss: result.finalLoss });
      await record(job, {
        jobId: job.jobId,
        iteration,
        stage: 'trained',
        record: { config: configOf(state), dataset: state.dataset!, dataReport: state.report!, runId: runId!, model: trained.model, adapter: trained.adapter, steps: trained.steps, finalLoss: trained.finalLoss },
      });
      if (!configOf(state).evaluation.enabled) return { trained, trainedTokens, outcome: succeededWith(trained, null, trainedTokens), route: 'finish' };
      return { trained, trainedTokens, route: 'requestEvaluation' };
    },
    cancelTraining: async ({ job, runId }) => {
      await control(job, runId!, 'cancel', `cancel-${runId}`);
      await event(job, `cancel-requested-${runId}`, 'Cancellation requested; stopping training at the next step');
      return {};
    },
  };
}
