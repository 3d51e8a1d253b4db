import { TRAINING_CONTROL_ACTIONS, trainingRunRequestedV1, type PayloadOf } from '@tuneforge/contracts';
import { z } from 'zod';

export type TrainingRunRequest = PayloadOf<typeof trainingRunRequestedV1>;

/** What the trainer hands a training pod (env `TF_TRAINING_RUN`, JSON): the request and its envelope's context. */
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
    /** When the run was requested (ISO 8601): the pod reads control messages from then on. */
    controlsSince: z.string().datetime({ offset: true }).optional(),
  })
  .strict();

export type PodRunSpec = z.infer<typeof podRunSpecSchema>;

/** The pod's environment besides storage (`TF_STORAGE_DRIVER`, `TF_S3_*`, `TF_ARTIFACT_DIR`). */
export const podEnvSchema = z.object({
  TF_TRAINING_RUN: z.string().min(2),
  /** `kafka`: publish and read control on Kafka itself; `ipc`: through the parent (the trainer) over the Node IPC channel. */
  TF_POD_BUS: z.enum(['kafka', 'ipc']).default('kafka'),
  TF_KAFKA_BROKERS: z.string().optional(),
  TF_POD_PROGRESS_EVERY: z.coerce.number().int().min(1).default(1),
  /** Engine worker threads; 0 = all cores. */
  TF_POD_THREADS: z.coerce.number().int().min(0).default(0),
  TF_POD_INSTANCE_ID: z.string().optional(),
});

export type PodEnv = z.infer<typeof podEnvSchema>;

export function parsePodRunSpec(json: string): PodRunSpec {
  return podRunSpecSchema.parse(JSON.parse(json));
}

/** Where a run keeps its artifacts in the tenant's store; every key derives from job and run id. */
export function runPrefix(request: Pick<TrainingRunRequest, 'jobId' | 'runId'>): string {
  return `jobs/${request.jobId}/training/${request.runId}`;
}

export function checkpointPrefix(request: Pick<TrainingRunRequest, 'jobId' | 'runId'>, step: number): string {
  return `${runPrefix(request)}/checkpoints/step-${String(step).padStart(8, '0')}`;
}

export function stepOfCheckpoint(prefix: string): number | undefined {
  const match = /\/checkpoints\/step-(\d{8})$/.exec(prefix);
  return match ? Number(match[1]) : undefined;
}
