import type { Envelope, PodRunSpec, TrainingControlMessage } from '@tuneforge/contracts';

// What a pod is started with (`PodRunSpec`) and the IPC messages between it and the trainer are the
// training-pod protocol in `@tuneforge/contracts` (`libs/contracts/src/training-pod`); this file is the
// trainer's side: how it launches and follows pods.

/** How a pod ended: exit code (null when killed) and signal. Code 0 means it published its completion. */
export interface PodExit {
  code: number | null;
  signal: string | null;
  /** The last lines the pod wrote, for the error of a run that fails. */
  outputTail: string;
}

export interface LaunchHooks {
  /** A message the pod published through its launcher (embedded mode: the bus is the parent's). */
  onPublish(topic: string, message: Envelope): Promise<void>;
  onExit(exit: PodExit): void;
}

export interface LaunchedPod {
  /** Process id, job name...: whatever names the pod where it runs. */
  readonly id: string;
  readonly pid?: number;
  /** Hands a control message to the pod when it is reached through its launcher (otherwise it reads the bus). */
  control(message: TrainingControlMessage): void;
  /** Stops the pod. */
  stop(): void;
  /**
   * The trainer shuts down (a redeploy, or scaling to zero while idle): a pod that depends on the trainer
   * (a child process) stops; a pod that runs on its own and talks to Kafka itself (a Kubernetes Job) keeps
   * training and publishes its completion without the trainer.
   */
  release(): void;
}

/** A pod an earlier trainer left running, followed again by this one. */
export interface AdoptedPod {
  spec: PodRunSpec;
  pod: LaunchedPod;
}

/** Starts training pods: a local child process, or a Kubernetes Job. */
export interface TrainingLauncher {
  launch(spec: PodRunSpec, hooks: LaunchHooks): Promise<LaunchedPod>;
  /**
   * Pods that outlive their trainer (Kubernetes Jobs): the unfinished ones, found at start and followed
   * again, so a run whose trainer was scaled to zero or redeployed is still relaunched if its pod dies.
   * `hooksFor` gives the hooks of each adopted run. Absent where pods die with their trainer.
   */
  adopt?(hooksFor: (spec: PodRunSpec) => LaunchHooks): Promise<AdoptedPod[]>;
}

export const TRAINING_LAUNCHER = Symbol('TRAINING_LAUNCHER');
