// Imported first: tracing must be running before http, express and kafkajs are loaded.
import { serviceInstanceId, startTelemetry } from '@tuneforge/telemetry';

startTelemetry({ serviceName: 'tuneforge-embedded', serviceVersion: '0.1.0', instanceId: serviceInstanceId() });
