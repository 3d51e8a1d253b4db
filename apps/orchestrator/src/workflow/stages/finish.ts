/** Where every job ends: its last event, then its final status with the outcome. */
import type { JobNode, StageContext } from './stage-context';

export function finishNodes({ event, status, records }: StageContext): { finish: JobNode } {
  return {
    finish: async ({ job, outcome: ended }) => {
      // A succeeded job's model gets its name (registered, so it can be served and tuned again) before anyone hears of it.
      const outcome =
        ended!.status === 'succeeded' ? { ...ended!, fineTunedModel: await records.nameModel(job, { artifact: ended!.fineTunedModel!, adapter: ended!.fineTunedAdapter ?? null }) } : ended;
      const message =
        outcome!.status === 'succeeded'
          ? `The job has successfully completed: fine-tuned model ${outcome!.fineTunedModel}`
          : outcome!.status === 'cancelled'
            ? 'The job was cancelled'
            : `The job failed: ${outcome!.error!.message}`;
      await event(job, `finished-${outcome!.status}`, message, outcome!.status === 'failed' ? 'error' : 'info');
      // The final event goes out before the final status: a client that stops reading at the status has it.
      await status(job, outcome!.status, outcome!);
      return {};
    },
  };
}
