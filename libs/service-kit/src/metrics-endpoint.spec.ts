import { createMessage, pingAnsweredV1, pingRequestedV1, type MessageOf } from '@tuneforge/contracts';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startEmbeddedDeployment, type EmbeddedDeployment } from './embedded-deployment';

/**
 * /metrics as Prometheus scrapes it, after the service handled a real message over the bus: the
 * messaging metrics (OpenTelemetry instruments) in the text format, with their names and labels.
 */
describe('GET /metrics', () => {
  let deployment: EmbeddedDeployment;
  const quiet = createLogger('metrics-test', { level: 'warn', destination: new Writable({ write: (_chunk, _enc, done) => done() }) });

  beforeAll(async () => {
    deployment = await startEmbeddedDeployment([{ name: 'datagen', version: '1.2.3' }], {
      store: new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-metrics-'))),
      logger: quiet,
      host: '127.0.0.1',
      basePort: 0,
    });
  });
  afterAll(() => deployment?.close());

  it('counts the handled message by service, topic and outcome, times its handler, and counts the answer published', async () => {
    const answered = new Promise<MessageOf<typeof pingAnsweredV1>>((resolve) => {
      void deployment.bus.subscribe<MessageOf<typeof pingAnsweredV1>['payload']>(pingAnsweredV1, { group: 'metrics-test', service: 'gateway' }, async (message) => resolve(message));
    });
    await deployment.bus.publish(pingRequestedV1, createMessage(pingRequestedV1, { requestedBy: 'gateway' }, { correlationId: 'ping-metrics', tenant: 'acme' }));
    expect((await answered).payload.service).toBe('datagen');

    const response = await fetch(`${deployment.apps.get('datagen')!.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;/);
    expect(response.headers.get('content-type')).toContain('version=0.0.4');
    const text = await response.text();

    expect(text).toContain('# TYPE tuneforge_messages_consumed_total counter');
    expect(sample(text, 'tuneforge_messages_consumed_total', { service: 'datagen', topic: 'system.ping.requested.v1', outcome: 'handled' })).toBe(1);
    expect(sample(text, 'tuneforge_messages_consumed_total', { service: 'datagen', topic: 'system.ping.requested.v1', outcome: 'dead-lettered' })).toBeUndefined();
    expect(sample(text, 'tuneforge_messages_published_total', { topic: 'system.ping.answered.v1' })).toBe(1);
    expect(sample(text, 'tuneforge_messages_published_total', { topic: 'system.ping.requested.v1' })).toBe(1);

    expect(text).toContain('# TYPE tuneforge_message_handler_seconds histogram');
    const timed = { service: 'datagen', topic: 'system.ping.requested.v1' };
    expect(sample(text, 'tuneforge_message_handler_seconds_count', timed)).toBe(1);
    expect(sample(text, 'tuneforge_message_handler_seconds_bucket', { ...timed, le: '+Inf' })).toBe(1);
    expect(sample(text, 'tuneforge_message_handler_seconds_bucket', { ...timed, le: '0.005' })).toBeDefined();
    expect(sample(text, 'tuneforge_message_handler_seconds_sum', timed)).toBeGreaterThan(0);
  });
});

/** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const matches = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
  if (matches.length > 1) throw new Error(`more than one ${name} sample with ${JSON.stringify(labels)}:\n${matches.join('\n')}`);
  return matches.length === 0 ? undefined : Number(matches[0].slice(matches[0].lastIndexOf(' ') + 1));
}
