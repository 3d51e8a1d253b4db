// The trainer ↔ training pod protocol: the run spec a pod is started with, and the messages of the IPC
// channel between a local pod and its trainer. Over Kafka a pod uses the training.* topics themselves.
export * from './run-spec';
export * from './pod-ipc';
export * from './run-area';
