import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { installMeterProvider } from './metrics-registry';

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
 * Exporters come from the standard OTEL_* variables. With no exporter endpoint configured, traces and
 * metrics are not exported (rather than retried forever against a collector on localhost that is not
 * there); metrics are still collected for the service's /metrics (see metrics-registry.ts).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (running) return running.telemetry;
  const env = options.env ?? process.env;
  const endpointConfigured = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  env.OTEL_TRACES_EXPORTER ??= endpointConfigured ? 'otlp' : 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';

  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_VERSION]: options.serviceVersion,
    'service.instance.id': options.instanceId,
  });
  // Installed before the SDK starts, so that the instrumentations it registers record into it too.
  const meters = installMeterProvider(resource, metricExporters(env));
  const sdk = new NodeSDK({
    resource,
    // The meter provider is ours (above); an empty list keeps the SDK from building a second one.
    metricReaders: [],
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
      await Promise.all([sdk.shutdown(), meters.shutdown()]);
    },
  };
  running = { sdk, telemetry };
  return telemetry;
}

/**
 * OTLP/HTTP metric export when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) and OTEL_METRICS_EXPORTER does not say `none`; every
 * OTEL_METRIC_EXPORT_INTERVAL ms (default 60 s) and once more at shutdown.
 */
function metricExporters(env: NodeJS.ProcessEnv): IMetricReader[] {
  const endpointConfigured = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  if (!endpointConfigured || env.OTEL_METRICS_EXPORTER === 'none') return [];
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
    }),
  ];
}
