/**
 * The part of Jaeger's HTTP query API (the one its UI uses, `/api/traces`) the trace test reads, with
 * each span's service and parent resolved, so that assertions read like what a user sees in the UI.
 */

export interface JaegerSpan {
  traceId: string;
  spanId: string;
  /** The CHILD_OF reference; undefined for a trace's root. */
  parentSpanId?: string;
  name: string;
  service: string;
  /** OpenTelemetry span kind as Jaeger tags it: server, client, producer, consumer, internal. */
  kind: string;
  tags: Record<string, string | number | boolean>;
}

interface RawTrace {
  traceID: string;
  spans: Array<{
    traceID: string;
    spanID: string;
    operationName: string;
    references?: Array<{ refType: string; traceID: string; spanID: string }>;
    tags?: Array<{ key: string; value: string | number | boolean }>;
    processID: string;
  }>;
  processes: Record<string, { serviceName: string }>;
}

/** Where infra/up.sh runs Jaeger: its TF_JAEGER_* ports (or whole URLs), the defaults otherwise. */
const JAEGER_HOST = process.env.TF_JAEGER_HOST ?? '127.0.0.1';
export const JAEGER_QUERY_URL = process.env.TF_JAEGER_QUERY_URL ?? `http://${JAEGER_HOST}:${process.env.TF_JAEGER_QUERY_PORT ?? 16686}`;
export const JAEGER_OTLP_ENDPOINT = process.env.TF_JAEGER_OTLP_ENDPOINT ?? `http://${JAEGER_HOST}:${process.env.TF_JAEGER_OTLP_HTTP_PORT ?? 4318}`;

/** Fails with what to do when Jaeger is not there: this test needs the one infra/up.sh starts. */
export async function requireJaeger(): Promise<void> {
  try {
    const response = await fetch(`${JAEGER_QUERY_URL}/api/services`);
    if (response.ok) return;
    throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    throw new Error(`Jaeger's query API at ${JAEGER_QUERY_URL} does not answer (${(error as Error).message}); start it with infra/up.sh (or infra/up.sh jaeger)`);
  }
}

/** Every trace that holds a span of `service` with all of `tags`, each with all its spans. */
export async function findTraces(service: string, tags: Record<string, string>): Promise<Map<string, JaegerSpan[]>> {
  const query = new URLSearchParams({ service, tags: JSON.stringify(tags), limit: '100', lookback: '2h' });
  const response = await fetch(`${JAEGER_QUERY_URL}/api/traces?${query}`);
  if (!response.ok) throw new Error(`GET /api/traces?${query} answered ${response.status}: ${await response.text()}`);
  const { data } = (await response.json()) as { data: RawTrace[] | null };
  const traces = new Map<string, JaegerSpan[]>();
  for (const trace of data ?? []) traces.set(trace.traceID, spansOf(trace));
  return traces;
}

/** One trace by id, all its spans (`/api/traces/{id}`). */
export async function getTrace(traceId: string): Promise<JaegerSpan[]> {
  const response = await fetch(`${JAEGER_QUERY_URL}/api/traces/${traceId}`);
  if (!response.ok) throw new Error(`GET /api/traces/${traceId} answered ${response.status}: ${await response.text()}`);
  const { data } = (await response.json()) as { data: RawTrace[] };
  return data.flatMap(spansOf);
}

function spansOf(trace: RawTrace): JaegerSpan[] {
  return trace.spans.map((span) => {
    const tags = Object.fromEntries((span.tags ?? []).map((tag) => [tag.key, tag.value]));
    return {
      traceId: span.traceID,
      spanId: span.spanID,
      parentSpanId: span.references?.find((reference) => reference.refType === 'CHILD_OF')?.spanID,
      name: span.operationName,
      service: trace.processes[span.processID]?.serviceName ?? '?',
      kind: String(tags['span.kind'] ?? 'internal'),
      tags,
    };
  });
}

/** The span's ancestors, nearest first, as far as the trace holds them. */
export function ancestorsOf(span: JaegerSpan, trace: readonly JaegerSpan[]): JaegerSpan[] {
  const byId = new Map(trace.map((candidate) => [candidate.spanId, candidate]));
  const ancestors: JaegerSpan[] = [];
  for (let current = span.parentSpanId ? byId.get(span.parentSpanId) : undefined; current && ancestors.length < 200; ) {
    ancestors.push(current);
    current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined;
  }
  return ancestors;
}
