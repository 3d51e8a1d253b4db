export * from './task-work';
export * from './task-worker';
export * from './task-records';
export * from './background-tasks';
export * from './task-worker.module';
