export * from './start-telemetry';
export * from './trace-context';
export * from './logger';
export * from './service-instance';
export * from './metrics-registry';
export * from './job-span-attributes';
export * from './process-trace-context';
