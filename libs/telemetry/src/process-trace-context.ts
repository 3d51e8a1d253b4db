import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/**
 * Trace context handed to a child process in its environment (`TRACEPARENT`, `TRACESTATE`, as the
 * OpenTelemetry specification's environment-variable carrier names them), so that the training pod the
 * trainer starts continues the job's trace instead of beginning one of its own.
 */
export function traceContextEnv(from: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  const env: Record<string, string> = {};
  if (carrier.traceparent) env.TRACEPARENT = carrier.traceparent;
  if (carrier.tracestate) env.TRACESTATE = carrier.tracestate;
  return env;
}

/** The parent context a process was started under; the root context when its environment names none. */
export function traceContextFromEnv(env: NodeJS.ProcessEnv = process.env): Context {
  if (!env.TRACEPARENT) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent: env.TRACEPARENT, ...(env.TRACESTATE ? { tracestate: env.TRACESTATE } : {}) });
}
