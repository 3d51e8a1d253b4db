// Imported first by run-training.ts: tracing must be running before kafkajs is loaded.
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { jobSpanAttributes, serviceInstanceId, startTelemetry, traceContextFromEnv } from '@tuneforge/telemetry';
import { version } from '../package.json';

// Not the trainer's TF_INSTANCE_ID, which a locally launched pod inherits: the pod is an instance of its own.
const telemetry = startTelemetry({ serviceName: 'tuneforge-train-pod', serviceVersion: version, instanceId: serviceInstanceId({ TF_INSTANCE_ID: process.env.TF_POD_INSTANCE_ID }) });

/**
 * Runs the pod's whole program in one span, a child of the trainer's span that launched it (TRACEPARENT
 * in the environment), so the run's Kafka messages join the job's trace. Then flushes spans and metrics:
 * the process exits right after, and a batch still in memory would be lost.
 */
export async function runTracedPod(program: () => Promise<number>): Promise<number> {
  const span = trace.getTracer('@tuneforge/train-pod').startSpan(
    'train-pod run',
    { kind: SpanKind.INTERNAL, attributes: { ...jobSpanAttributes(jobOfRun(process.env.TF_TRAINING_RUN)), 'tuneforge.service': 'train-pod' } },
    traceContextFromEnv(),
  );
  try {
    const code = await context.with(trace.setSpan(traceContextFromEnv(), span), program);
    span.setAttribute('process.exit.code', code);
    return code;
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
    await telemetry.shutdown().catch((error: unknown) => process.stderr.write(`train-pod: flushing telemetry failed: ${String(error)}\n`));
  }
}

/** The job id of the run, read loosely: a spec that does not parse is main's to report, not this span's. */
function jobOfRun(raw: string | undefined): { jobId?: unknown } {
  try {
    return (JSON.parse(raw ?? '') as { request?: { jobId?: unknown } }).request ?? {};
  } catch {
    return {};
  }
}
