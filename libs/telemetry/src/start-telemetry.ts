import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  instanceId: string;
  /** Extra processors, e.g. an in-memory exporter in tests; exporters from OTEL_* variables still apply. */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

let running: { sdk: NodeSDK; telemetry: Telemetry } | undefined;

/**
 * Starts the OpenTelemetry SDK. Must run before express, http and kafkajs are first required, so that
 * their instrumentation can patch them: services call it from their `instrument.ts`, imported first.
 *
 * Exporters come from the standard OTEL_* variables. With no exporter endpoint configured, traces are
 * not exported (rather than retried forever against a collector on localhost that is not there).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (running) return running.telemetry;
  const env = options.env ?? process.env;
  const endpointConfigured = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  env.OTEL_TRACES_EXPORTER ??= endpointConfigured ? 'otlp' : 'none';
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';

  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
      'service.instance.id': options.instanceId,
    }),
    spanProcessors: options.spanProcessors,
    instrumentations: [
      // Health probes and metrics scrapes would drown the traces that matter.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') }),
      new ExpressInstrumentation(),
      new KafkaJsInstrumentation(),
    ],
  });
  sdk.start();
  const telemetry: Telemetry = {
    shutdown: async () => {
      running = undefined;
      await sdk.shutdown();
    },
  };
  running = { sdk, telemetry };
  return telemetry;
}
