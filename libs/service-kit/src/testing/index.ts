// Test helpers for the services' integration tests; not part of the kit's runtime API (import '@tuneforge/service-kit/src/testing').
export * from './child-process';
export * from './start-service-under-test';
export * from './task-results';
export * from './task-service-harness';
