import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Writable } from 'node:stream';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger, extractTraceContext, injectTraceContext } from './index';

describe('trace context in message headers', () => {
  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });

  it('a span started from extracted headers continues the producer trace', () => {
    const tracer = new BasicTracerProvider().getTracer('test');
    const producer = tracer.startSpan('publish');
    const headers = injectTraceContext({}, trace.setSpan(context.active(), producer));
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const consumer = tracer.startSpan('process', {}, extractTraceContext(headers));
    expect(consumer.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(headers.traceparent).toContain(producer.spanContext().spanId);
  });

  it('log lines written inside a span carry its ids', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger('test', { destination: sink });
    const span = new BasicTracerProvider().getTracer('t').startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    const line = JSON.parse(lines[0]);
    expect(line.trace_id).toBe(span.spanContext().traceId);
    expect(line.span_id).toBe(span.spanContext().spanId);
  });
});
