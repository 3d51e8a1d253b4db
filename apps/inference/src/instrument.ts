// Imported first by main.ts: tracing must be running before http and express are loaded.
import { serviceInstanceId, startTelemetry } from '@tuneforge/telemetry';
import { version } from '../package.json';

startTelemetry({ serviceName: 'tuneforge-inference', serviceVersion: version, instanceId: serviceInstanceId() });
