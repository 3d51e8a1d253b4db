import { context, propagation, type Context } from '@opentelemetry/api';

/**
 * W3C trace context (`traceparent`, `tracestate`) carried in message headers, so that a job's events
 * form one trace across every service that touches them, whatever the transport.
 */
export function injectTraceContext(headers: Record<string, string>, from: Context = context.active()): Record<string, string> {
  propagation.inject(from, headers);
  return headers;
}

export function extractTraceContext(headers: Record<string, string | undefined>): Context {
  return propagation.extract(context.active(), headers);
}
