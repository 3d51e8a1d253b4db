import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

export const TRAINING_CONTROL_ACTIONS = ['pause', 'resume', 'cancel'] as const;

/** Pause, resume or cancel a run; the pod applies it at the next step boundary. Cancel is final. */
export const trainingRunControlV1 = defineTopic(
  'training.run.control.v1',
  z.object({ runId: keySafeIdSchema, jobId: keySafeIdSchema, action: z.enum(TRAINING_CONTROL_ACTIONS) }).strict(),
  { partitions: 6 },
);

export type TrainingControlAction = (typeof TRAINING_CONTROL_ACTIONS)[number];
