import {
  createMessage,
  loadDefaultConfig,
  trainingRunControlV1,
  trainingRunRequestedV1,
  type Envelope,
  type PodRunSpec,
  type TopicSpec,
  type TrainingControlMessage,
} from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { createLogger } from '@tuneforge/telemetry';
import { Writable } from 'node:stream';
import type { LaunchedPod, LaunchHooks, TrainingLauncher } from './training-launcher';
import { TrainingRuns } from './training-runs.service';

const logger = createLogger('trainer-spec', { destination: new Writable({ write: (_c, _e, done) => done() }) });

class FakeLauncher implements TrainingLauncher {
  readonly launches: Array<{ spec: PodRunSpec; hooks: LaunchHooks; controls: TrainingControlMessage[] }> = [];
  async launch(spec: PodRunSpec, hooks: LaunchHooks): Promise<LaunchedPod> {
    const entry = { spec, hooks, controls: [] as TrainingControlMessage[] };
    this.launches.push(entry);
    return { id: `pod-${this.launches.length}`, control: (m) => entry.controls.push(m), stop: () => undefined, release: () => undefined };
  }
}

function fakeBus(): MessageBus & { published: Array<{ topic: string; message: Envelope }> } {
  const published: Array<{ topic: string; message: Envelope }> = [];
  return {
    transport: 'in-process',
    published,
    publish: async (topic: TopicSpec, message: Envelope) => void published.push({ topic: topic.name, message }),
  } as unknown as MessageBus & { published: typeof published };
}

const request = () =>
  createMessage(
    trainingRunRequestedV1,
    { runId: 'run-1', jobId: 'job-1', baseModel: 'models/m', datasets: ['d'], maxSequenceLength: 64, training: loadDefaultConfig().training },
    { correlationId: 'job-1', tenant: 'acme' },
  );

const flush = () => new Promise((r) => setImmediate(r));

describe('TrainingRuns', () => {
  it('launches once per run id, whatever the number of deliveries', async () => {
    const launcher = new FakeLauncher();
    const runs = new TrainingRuns(launcher, fakeBus(), logger, { maxAttempts: 2 });
    await runs.start(request());
    await runs.start(request());
    expect(launcher.launches).toHaveLength(1);
    expect(launcher.launches[0].spec).toMatchObject({ tenant: 'acme', request: { runId: 'run-1' } });
  });

  it('relaunches a pod that died without concluding, replaying control, then reports failure when attempts run out', async () => {
    const launcher = new FakeLauncher();
    const bus = fakeBus();
    const runs = new TrainingRuns(launcher, bus, logger, { maxAttempts: 2 });
    const requested = request();
    await runs.start(requested);
    // A pod reads control from the run's request on, and starts in the state of the controls heard so far.
    expect(launcher.launches[0].spec).toMatchObject({ controls: [], controlsSince: requested.createdAt });
    const pause = createMessage(trainingRunControlV1, { runId: 'run-1', jobId: 'job-1', action: 'pause' }, { correlationId: 'job-1', tenant: 'acme' });
    runs.control(pause);
    expect(launcher.launches[0].controls).toEqual([pause]);
    launcher.launches[0].hooks.onExit({ code: null, signal: 'SIGKILL', outputTail: '' });
    await flush();
    expect(launcher.launches).toHaveLength(2);
    expect(launcher.launches[1].controls).toEqual([pause]);
    expect(launcher.launches[1].spec).toMatchObject({ controls: ['pause'], controlsSince: requested.createdAt });
    launcher.launches[1].hooks.onExit({ code: 1, signal: null, outputTail: 'boom\n' });
    await flush();
    expect(launcher.launches).toHaveLength(2);
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]).toMatchObject({ topic: 'training.run.completed.v1', message: { tenant: 'acme', payload: { runId: 'run-1', status: 'failed' } } });
    expect((bus.published[0].message.payload as { error: string }).error).toMatch(/exited with code 1.*attempt 2 of 2.*boom/s);
  });

  it('adopts the pods an earlier trainer left running: a request delivered again launches nothing, a pod that dies is relaunched', async () => {
    const launcher = new FakeLauncher();
    const requested = request();
    const spec = { tenant: 'acme', requestMessageId: requested.messageId, request: requested.payload };
    let adoptedHooks: LaunchHooks | undefined;
    const adopting = Object.assign(launcher, {
      adopt: async (hooksFor: (s: PodRunSpec) => LaunchHooks) => {
        adoptedHooks = hooksFor(spec);
        return [{ spec, pod: { id: 'job-left', control: () => undefined, stop: () => undefined, release: () => undefined } }];
      },
    });
    const runs = new TrainingRuns(adopting, fakeBus(), logger, { maxAttempts: 2 });
    await runs.onApplicationBootstrap();
    expect(runs.describe('acme', 'run-1')).toMatchObject({ attempts: 1, state: 'running', pod: { id: 'job-left' } });
    await runs.start(requested);
    expect(launcher.launches).toHaveLength(0);
    adoptedHooks!.onExit({ code: 137, signal: null, outputTail: '' });
    await flush();
    expect(launcher.launches).toHaveLength(1);
    expect(launcher.launches[0].spec).toMatchObject({ tenant: 'acme', request: { runId: 'run-1' } });
  });

  it('starts without adopting when the cluster cannot be asked', async () => {
    const launcher = Object.assign(new FakeLauncher(), { adopt: () => Promise.reject(new Error('connect ECONNREFUSED')) });
    const runs = new TrainingRuns(launcher, fakeBus(), logger, { maxAttempts: 2 });
    await expect(runs.onApplicationBootstrap()).resolves.toBeUndefined();
    await runs.start(request());
    expect(launcher.launches).toHaveLength(1);
  });

  it('does nothing more for a pod that exited after concluding, and ignores control for other tenants', async () => {
    const launcher = new FakeLauncher();
    const bus = fakeBus();
    const runs = new TrainingRuns(launcher, bus, logger, { maxAttempts: 2 });
    await runs.start(request());
    runs.control(createMessage(trainingRunControlV1, { runId: 'run-1', jobId: 'job-1', action: 'cancel' }, { correlationId: 'job-1', tenant: 'other' }));
    expect(launcher.launches[0].controls).toEqual([]);
    launcher.launches[0].hooks.onExit({ code: 0, signal: null, outputTail: '' });
    await flush();
    expect(launcher.launches).toHaveLength(1);
    expect(bus.published).toEqual([]);
    expect(runs.describe('acme', 'run-1')).toMatchObject({ attempts: 1, state: 'concluded' });
  });

  it('relays what a pod publishes through its launcher, refusing another tenant', async () => {
    const launcher = new FakeLauncher();
    const bus = fakeBus();
    const runs = new TrainingRuns(launcher, bus, logger, { maxAttempts: 2 });
    const req = request();
    await runs.start(req);
    const { hooks } = launcher.launches[0];
    const done = { ...req, payload: { runId: 'run-1', jobId: 'job-1', status: 'cancelled', step: 3 } };
    await hooks.onPublish('training.run.completed.v1', done);
    await expect(hooks.onPublish('training.run.completed.v1', { ...done, tenant: 'other' })).rejects.toThrow(/may not publish/);
    expect(bus.published.map((p) => p.topic)).toEqual(['training.run.completed.v1']);
    hooks.onExit({ code: null, signal: 'SIGKILL', outputTail: '' });
    await flush();
    expect(launcher.launches).toHaveLength(1);
  });

  it('a failure report the bus cannot take yet is retried until it is published, and nothing is left unhandled', async () => {
    jest.useFakeTimers();
    try {
      const launcher = new FakeLauncher();
      const bus = fakeBus();
      let outage = 2;
      const publish = bus.publish.bind(bus);
      bus.publish = async (topic, message) => {
        if (outage-- > 0) throw new Error('the bus is away');
        return publish(topic, message);
      };
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const runs = new TrainingRuns(launcher, bus, logger, { maxAttempts: 1 });
      await runs.start(request());
      launcher.launches[0].hooks.onExit({ code: 1, signal: null, outputTail: 'out of memory' });
      for (let i = 0; i < 10 && bus.published.length === 0; i++) {
        await jest.advanceTimersByTimeAsync(5000);
      }
      process.off('unhandledRejection', onUnhandled);
      expect(bus.published.map((p) => [p.topic, (p.message.payload as { status: string }).status])).toEqual([['training.run.completed.v1', 'failed']]);
      expect(unhandled).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });
});
