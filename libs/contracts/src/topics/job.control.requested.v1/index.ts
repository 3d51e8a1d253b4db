import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

export const JOB_CONTROL_ACTIONS = ['cancel', 'pause', 'resume'] as const;
export type JobControlAction = (typeof JOB_CONTROL_ACTIONS)[number];

/** A user asked to cancel, pause or resume a job; the orchestrator hands it to the running stage. */
export const jobControlRequestedV1 = defineTopic(
  'job.control.requested.v1',
  z.object({ jobId: keySafeIdSchema, action: z.enum(JOB_CONTROL_ACTIONS) }).strict(),
  { partitions: 6 },
);
