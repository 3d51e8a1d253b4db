/** How long the orchestrator waits for a service's answer to a task before it gives the job up (issue #18). */
import { failed, type Outcome } from './job-outcomes';
import { inboxKeys, type Delivery, type JobStateValue, type Waiting } from './job-state';

/** Seconds per stage, counted from when its task was sent. Training has none: a run's length is the job's. */
export interface StageDeadlines {
  preparation: number;
  retrieval: number;
  evaluation: number;
  diagnosis: number;
}
export type DeadlineStage = keyof StageDeadlines;

/**
 * Defaults far beyond a healthy run of each stage on a small cluster, so that only a service that is down, stuck or
 * losing its tasks meets them; operators tune them with TF_STAGE_DEADLINES.
 */
export const DEFAULT_STAGE_DEADLINES: StageDeadlines = { preparation: 3600, retrieval: 3600, evaluation: 4 * 3600, diagnosis: 3600 };

const WHO: Record<DeadlineStage, string> = {
  preparation: 'The data preparation (datagen)',
  retrieval: 'The indexing of the knowledge documents (retrieval)',
  evaluation: 'The evaluation (evaluator)',
  diagnosis: 'The diagnosis (debugger)',
};

/**
 * What a node awaiting a task's result waits for: a cancel first, then the result, then the stage's deadline (a
 * result that came first wins). A state saved before deadlines existed (no request time) waits without one.
 */
export function taskWait(deadlines: StageDeadlines, state: Pick<JobStateValue, 'taskRequestedAt'>, stage: DeadlineStage, resultKey: string): Waiting {
  const deadlineKey = inboxKeys.stageDeadline(resultKey);
  return {
    waitFor: [inboxKeys.cancel, resultKey, deadlineKey],
    ...(state.taskRequestedAt !== null ? { deadline: { at: state.taskRequestedAt + deadlines[stage] * 1000, key: deadlineKey, value: { stage, seconds: deadlines[stage] } } } : {}),
  };
}

/** The job's failure when the delivery is the stage's deadline, else undefined. */
export function overdue(delivery: Delivery, stage: DeadlineStage, resultKey: string): Outcome | undefined {
  if (delivery.key !== inboxKeys.stageDeadline(resultKey)) return undefined;
  const { seconds } = delivery.value as { seconds: number };
  return failed(
    'stage_timeout',
    `${WHO[stage]} did not answer within ${formatSeconds(seconds)} of its request; the job stops here. The service may be down or overloaded: resubmit the job once it is back.`,
    null,
  );
}

/** `preparation=3600,evaluation=14400` over the defaults; a wrong entry names itself. */
export function parseStageDeadlines(text: string | undefined): StageDeadlines {
  const deadlines = { ...DEFAULT_STAGE_DEADLINES };
  for (const entry of (text ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^([a-z]+)=(\d+)$/.exec(entry);
    if (!match || !(match[1] in deadlines) || Number(match[2]) < 1) {
      throw new Error(`TF_STAGE_DEADLINES: '${entry}' is not <stage>=<seconds> with a stage among ${Object.keys(deadlines).join(', ')} and seconds >= 1`);
    }
    deadlines[match[1] as DeadlineStage] = Number(match[2]);
  }
  return deadlines;
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  if (seconds % 60 === 0) return `${seconds / 60} minute(s)`;
  return `${seconds} second(s)`;
}
