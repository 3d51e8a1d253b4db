import type { Envelope } from '../envelope';
import type { MessageOf } from '../topic';
import type { trainingRunControlV1 } from '../topics/training.run.control.v1';

/** A control message of a run, as the trainer hears it and a pod applies it. */
export type TrainingControlMessage = MessageOf<typeof trainingRunControlV1>;

/**
 * What a pod started with an IPC channel (embedded mode, `TF_POD_BUS=ipc`) sends its parent, the trainer:
 * an event to publish on the trainer's bus (in the order sent), or `ready` once it listens for control.
 */
export type PodToTrainerIpc = { type: 'publish'; topic: string; message: Envelope } | { type: 'ready' };

/** What the trainer sends such a pod: its run's control messages, held until the pod said `ready`. */
export type TrainerToPodIpc = { type: 'control'; message: TrainingControlMessage };
