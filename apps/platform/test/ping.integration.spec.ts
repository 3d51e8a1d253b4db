import { SERVICE_NAMES } from '@tuneforge/contracts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeployment, type RunningDeployment } from './deployment';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver';

/** The key the deployments below accept (TF_API_KEYS): the ping needs one. */
const PING_AUTH = { authorization: 'Bearer ping-test-key' };

/**
 * The foundation's end-to-end check, in both deployments: POST /v1/ping on the gateway reaches every
 * service over the bus, every service answers, and the whole exchange is one trace.
 */
describe.each([
  ['embedded', 18_100],
  ['distributed', 18_200],
] as const)('%s deployment', (mode, basePort) => {
  const receiver = new OtlpReceiver();
  let deployment: RunningDeployment;

  beforeAll(async () => {
    const otlpEndpoint = await receiver.start();
    deployment = await startDeployment(mode, basePort, {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      TF_ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'tf-embedded-')),
      TF_S3_BUCKET: `tf-ping-${Date.now()}`,
      TF_LOG_LEVEL: 'warn',
      // The answer comes as soon as every service answered; the timeout only bounds a failing run.
      TF_PING_TIMEOUT_MS: '20000',
      TF_API_KEYS: 'ping-test-key:ping-test',
    });
  });

  afterAll(async () => {
    const exitCodes = await deployment?.stop();
    await receiver.stop();
    // SIGTERM is a clean shutdown: every process finishes its work and exits 0.
    expect(exitCodes).toEqual(exitCodes?.map(() => 0));
  });

  it('every service answers a ping through the gateway, with its version; the ping needs a key and shows no host or pid', async () => {
    expect((await fetch(`${deployment.gatewayUrl}/v1/ping`, { method: 'POST' })).status).toBe(401);
    const response = await fetch(`${deployment.gatewayUrl}/v1/ping`, { method: 'POST', headers: PING_AUTH });
    expect(response.status).toBe(200);
    const body = (await response.json()) as PingResponse;
    expect(body.missing).toEqual([]);
    expect(body.services.map((s: { service: string }) => s.service).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const answer of body.services) {
      expect(answer.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(answer.mode).toBe(mode);
      expect(Object.keys(answer).sort()).toEqual(['mode', 'service', 'version']);
    }
  });

  it('the ping is one trace: every service handled it in a span parented, across the bus, up to the gateway request', async () => {
    const response = await fetch(`${deployment.gatewayUrl}/v1/ping`, { method: 'POST', headers: PING_AUTH });
    const { id: pingId } = (await response.json()) as PingResponse;

    const handled = (spans: ReceivedSpan[]) =>
      spans.filter((span) => span.name === 'system.ping.requested.v1 process' && span.attributes['tuneforge.correlation_id'] === pingId);
    await waitFor(() => handled(receiver.spans).length >= SERVICE_NAMES.length, 20_000);

    const consumerSpans = handled(receiver.spans);
    const traceIds = new Set(consumerSpans.map((span) => span.traceId));
    expect(traceIds.size).toBe(1);
    const [traceId] = traceIds;
    expect(new Set(consumerSpans.map((span) => span.attributes['tuneforge.service']))).toEqual(new Set(SERVICE_NAMES));

    // Walk each consumer span's parents: the chain must stay inside the trace and end at the gateway's HTTP span.
    await waitFor(() => rootOf(consumerSpans[0], receiver.spans) !== undefined, 10_000);
    const byId = new Map(receiver.spans.filter((span) => span.traceId === traceId).map((span) => [span.spanId, span]));
    for (const span of consumerSpans) {
      const root = rootOf(span, receiver.spans);
      expect(root).toBeDefined();
      expect(root!.attributes['http.route'] ?? root!.attributes['http.target'] ?? root!.name).toMatch(/\/v1\/ping/);
      expect(root!.serviceName).toBe(mode === 'embedded' ? 'tuneforge-embedded' : 'tuneforge-gateway');
      expect(byId.get(span.parentSpanId)).toBeDefined();
    }
    if (mode === 'distributed') {
      // Separate processes: each service's span comes from that service's own process.
      for (const span of consumerSpans) expect(span.serviceName).toBe(`tuneforge-${span.attributes['tuneforge.service']}`);
    }
  });
});

interface PingResponse {
  id: string;
  missing: string[];
  services: Array<{ service: string; version: string; mode: string }>;
}

/** Follows parent ids within the span's trace; undefined while a parent has not been exported yet. */
function rootOf(span: ReceivedSpan, all: ReceivedSpan[]): ReceivedSpan | undefined {
  const byId = new Map(all.filter((candidate) => candidate.traceId === span.traceId).map((candidate) => [candidate.spanId, candidate]));
  let current: ReceivedSpan | undefined = span;
  for (let depth = 0; current && depth < 50; depth++) {
    if (!current.parentSpanId) return current;
    current = byId.get(current.parentSpanId);
  }
  return undefined;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
