/** The long-running services of a Tuneforge deployment, and the training pod program. */
export const SERVICE_NAMES = [
  'gateway',
  'orchestrator',
  'datagen',
  'retrieval',
  'trainer',
  'evaluator',
  'debugger',
  'train-pod',
  'inference',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];
