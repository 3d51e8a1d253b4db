import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { defineMeter, installMeterProvider, renderPrometheusText } from './metrics-registry';

describe('process metrics', () => {
  const meter = defineMeter('@tuneforge/metrics-test');
  const jobs = meter.counter('tuneforge.test.jobs', { description: 'Jobs seen.', unit: '{job}' });
  const seconds = meter.histogram('tuneforge.test.seconds', { description: 'How long.', unit: 's', boundaries: [0.1, 1] });
  const loss = meter.gauge('tuneforge.test.loss', { description: 'Last loss.' });

  it('before startTelemetry, measurements are rendered as Prometheus text with their labels', async () => {
    jobs.add(2, { kind: 'lora' });
    jobs.add(1, { kind: 'full' });
    seconds.record(0.5, { stage: 'train' });
    loss.record(1.25, { job: 'ftjob-1' });
    const text = await renderPrometheusText();
    expect(text).toContain('# HELP tuneforge_test_jobs_total Jobs seen.');
    expect(text).toContain('# TYPE tuneforge_test_jobs_total counter');
    expect(text).toMatch(/^tuneforge_test_jobs_total\{kind="lora",otel_scope_name="@tuneforge\/metrics-test"\} 2$/m);
    expect(text).toMatch(/^tuneforge_test_jobs_total\{kind="full",otel_scope_name="@tuneforge\/metrics-test"\} 1$/m);
    expect(text).toMatch(/^tuneforge_test_seconds_bucket\{stage="train",otel_scope_name="@tuneforge\/metrics-test",le="0.1"\} 0$/m);
    expect(text).toMatch(/^tuneforge_test_seconds_bucket\{stage="train",otel_scope_name="@tuneforge\/metrics-test",le="1"\} 1$/m);
    expect(text).toMatch(/^tuneforge_test_seconds_sum\{stage="train",otel_scope_name="@tuneforge\/metrics-test"\} 0.5$/m);
    expect(text).toMatch(/^tuneforge_test_loss\{job="ftjob-1",otel_scope_name="@tuneforge\/metrics-test"\} 1.25$/m);
  });

  it('once installed, the same instruments record into the service provider: scraped with its resource, and exported at shutdown', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    // An interval far longer than the test: what arrives was sent by the shutdown's final export.
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const installed = installMeterProvider(resourceFromAttributes({ 'service.name': 'tuneforge-test' }), [reader]);
    loss.record(0.75, { job: 'ftjob-2' });

    const text = await renderPrometheusText();
    expect(text).toMatch(/^target_info\{.*service_name="tuneforge-test".*\} 1$/m);
    expect(text).toMatch(/^tuneforge_test_loss\{job="ftjob-2",otel_scope_name="@tuneforge\/metrics-test"\} 0.75$/m);
    // Measurements taken before the service's provider existed stay with the standalone one.
    expect(text).not.toContain('ftjob-1');

    await installed.shutdown();
    const exported = exporter.getMetrics().flatMap((resourceMetrics) =>
      resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => ({ service: resourceMetrics.resource.attributes['service.name'], metric }))),
    );
    const lossExport = exported.find(({ metric }) => metric.descriptor.name === 'tuneforge.test.loss');
    expect(lossExport?.service).toBe('tuneforge-test');
    expect(lossExport?.metric.dataPointType).toBe(DataPointType.GAUGE);
    expect(lossExport?.metric.dataPoints.map((point) => [point.attributes, point.value])).toEqual([[{ job: 'ftjob-2' }, 0.75]]);
  });
});
