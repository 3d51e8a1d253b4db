// Imported first by main.ts: tracing must be running before http, express and kafkajs are loaded.
import { serviceInstanceId, startTelemetry } from '@tuneforge/telemetry';
import { version } from '../package.json';

startTelemetry({ serviceName: 'tuneforge-evaluator', serviceVersion: version, instanceId: serviceInstanceId() });
