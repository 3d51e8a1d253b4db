import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { jobSpanAttributes, traceContextEnv, traceContextFromEnv } from './index';

describe('trace context through a child process environment', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  it('a span started from the environment a parent produced is the parent span\'s child', () => {
    const tracer = new BasicTracerProvider().getTracer('test');
    const launcher = tracer.startSpan('launch');
    const env = traceContextEnv(trace.setSpan(context.active(), launcher));
    expect(env.TRACEPARENT).toBe(`00-${launcher.spanContext().traceId}-${launcher.spanContext().spanId}-01`);

    const child = tracer.startSpan('pod', {}, traceContextFromEnv(env));
    expect(child.spanContext().traceId).toBe(launcher.spanContext().traceId);
    expect(trace.getSpanContext(traceContextFromEnv(env))?.spanId).toBe(launcher.spanContext().spanId);
  });

  it('no span, no TRACEPARENT; no TRACEPARENT, a new trace', () => {
    expect(traceContextEnv(context.active())).toEqual({});
    expect(trace.getSpanContext(traceContextFromEnv({}))).toBeUndefined();
  });

  it('job span attributes come from a payload\'s jobId, and only from there', () => {
    expect(jobSpanAttributes({ jobId: 'ftjob-abc', runId: 'run-1' })).toEqual({ 'tuneforge.job_id': 'ftjob-abc' });
    expect(jobSpanAttributes({ requestedBy: 'gateway' })).toEqual({});
    expect(jobSpanAttributes({ jobId: 42 })).toEqual({});
    expect(jobSpanAttributes(null)).toEqual({});
  });
});
