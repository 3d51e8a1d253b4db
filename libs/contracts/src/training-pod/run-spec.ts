import { z } from 'zod';
import { TRAINING_CONTROL_ACTIONS } from '../topics/training.run.control.v1';
import { trainingRunRequestedV1 } from '../topics/training.run.requested.v1';

/**
 * What the trainer hands a training pod (the pod's env `TF_TRAINING_RUN`, JSON): the request and its
 * envelope's context. The trainer writes it (a child process's environment, a Kubernetes Job's container),
 * reads it back from the Jobs it adopts, and the train-pod program parses it with `parsePodRunSpec`.
 */
export const podRunSpecSchema = z
  .object({
    tenant: z.string().min(1),
    /** Message id of the request: the pod's messages name it as their cause. */
    requestMessageId: z.string().min(1),
    request: trainingRunRequestedV1.payload,
    /**
     * The control actions the trainer had heard for this run when it launched this pod, oldest first: a pod
     * launched (or relaunched) after a pause starts paused without waiting to read the control topic.
     */
    controls: z.array(z.enum(TRAINING_CONTROL_ACTIONS)).optional(),
    /** When the run was requested (ISO 8601): a pod reading control from Kafka reads it from then on. */
    controlsSince: z.string().datetime({ offset: true }).optional(),
  })
  .strict();

export type PodRunSpec = z.infer<typeof podRunSpecSchema>;

export function parsePodRunSpec(json: string): PodRunSpec {
  return podRunSpecSchema.parse(JSON.parse(json));
}
