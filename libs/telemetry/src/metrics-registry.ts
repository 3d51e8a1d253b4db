import { metrics, type Attributes, type MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';

/**
 * The process's OpenTelemetry metrics, the one source of truth for both ways they leave the process:
 * pushed over OTLP (when startTelemetry configured an exporter) and pulled as Prometheus text from a
 * service's /metrics (renderPrometheusText). Both read the same MeterProvider.
 *
 * Instruments bind to the provider lazily, at each measurement: modules define them at import time, which
 * may come before startTelemetry (unit tests never call it). Until startTelemetry installs the real
 * provider, a standalone one (no exporter, default resource) collects for /metrics.
 */

/** A reader that only answers scrapes: nothing is exported on a timer, nothing to flush. */
class ScrapeReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface ProcessMetrics {
  provider: MeterProvider;
  scrape: ScrapeReader;
}

let installed: ProcessMetrics | undefined;
let standalone: ProcessMetrics | undefined;

function current(): ProcessMetrics {
  if (installed) return installed;
  standalone ??= createProcessMetrics(undefined, []);
  return standalone;
}

function createProcessMetrics(resource: Resource | undefined, exporting: IMetricReader[]): ProcessMetrics {
  const scrape = new ScrapeReader();
  return { provider: new MeterProvider({ resource, readers: [scrape, ...exporting] }), scrape };
}

/**
 * Called by startTelemetry: the provider that carries the service's resource and its exporting readers.
 * It becomes the global provider, so that instrumentation libraries (http) record into it as well.
 */
export function installMeterProvider(resource: Resource, exporting: IMetricReader[]): { shutdown(): Promise<void> } {
  const created = createProcessMetrics(resource, exporting);
  installed = created;
  metrics.setGlobalMeterProvider(created.provider);
  return {
    shutdown: async () => {
      if (installed === created) installed = undefined;
      metrics.disable();
      // Shutting the provider down makes the exporting readers send what they hold: a short-lived process
      // (the training pod) loses its last measurements otherwise.
      await created.provider.shutdown();
    },
  };
}

/** The current measurements in the Prometheus text exposition format (0.0.4), for a /metrics endpoint. */
export async function renderPrometheusText(): Promise<string> {
  const { resourceMetrics, errors } = await current().scrape.collect();
  if (errors.length > 0) throw new AggregateError(errors, 'collecting metrics failed');
  return new PrometheusSerializer().serialize(resourceMetrics);
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricOptions {
  description: string;
  /** UCUM unit (`s`, `{message}`, `1`); shown as `# UNIT` in the Prometheus text. */
  unit?: string;
}

export interface Counter {
  add(value: number, attributes?: Attributes): void;
}
export interface Histogram {
  record(value: number, attributes?: Attributes): void;
}
export interface Gauge {
  record(value: number, attributes?: Attributes): void;
}

/**
 * Instruments of one instrumentation scope (a library or app: `@tuneforge/messaging`). Names follow
 * OpenTelemetry (dots); Prometheus text turns dots into underscores and gives counters `_total`.
 */
export function defineMeter(scope: string) {
  const bound = <T>(create: (provider: ApiMeterProvider) => T) => {
    const byProvider = new WeakMap<ApiMeterProvider, T>();
    return () => {
      const { provider } = current();
      let instrument = byProvider.get(provider);
      if (!instrument) byProvider.set(provider, (instrument = create(provider)));
      return instrument;
    };
  };
  return {
    counter(name: string, options: MetricOptions): Counter {
      const get = bound((provider) => provider.getMeter(scope).createCounter(name, options));
      return { add: (value, attributes) => get().add(value, attributes) };
    },
    histogram(name: string, options: MetricOptions & { boundaries: number[] }): Histogram {
      const { boundaries, ...rest } = options;
      const get = bound((provider) => provider.getMeter(scope).createHistogram(name, { ...rest, advice: { explicitBucketBoundaries: boundaries } }));
      return { record: (value, attributes) => get().record(value, attributes) };
    },
    gauge(name: string, options: MetricOptions): Gauge {
      const get = bound((provider) => provider.getMeter(scope).createGauge(name, options));
      return { record: (value, attributes) => get().record(value, attributes) };
    },
  };
}
