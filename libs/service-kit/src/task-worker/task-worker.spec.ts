import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { createMessage, defineTopic, type MessageOf } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { ArtifactWriter, FilesystemArtifactStore, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { ServiceKitModule } from '../service-kit.module';
import { TaskResults } from '../testing/task-results';
import { BackgroundTasks } from './background-tasks';
import { TaskRecords } from './task-records';
import type { Task, TaskWork, WorkDone } from './task-work';
import { TaskWorker } from './task-worker';
import { taskWorkerModule } from './task-worker.module';

const silent = createLogger('test', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const requested = defineTopic('test.echo.requested.v1', z.object({ taskId: z.string(), jobId: z.string(), text: z.string() }).strict());
const completed = defineTopic(
  'test.echo.completed.v1',
  z.discriminatedUnion('status', [
    z.object({ taskId: z.string(), status: z.literal('succeeded'), echo: z.string(), attempt: z.number() }).strict(),
    z.object({ taskId: z.string(), status: z.literal('failed'), error: z.string() }).strict(),
  ]),
);
type Result = MessageOf<typeof completed>['payload'];
type EchoTask = Task<typeof requested, string>;

class InputError extends Error {}

/**
 * A task service's work in miniature: echoes the text upper-cased, stored as `result.json` under the task's key.
 * `bad` is a failed result, `refused` an error it maps to one, `crash` an error it does not map. `gates` holds
 * the work of the next calls until released.
 */
class EchoWork implements TaskWork<typeof requested, typeof completed> {
  calls = 0;
  gates: Array<Promise<void>> = [];

  resultKey(payload: { jobId: string; taskId: string }): string {
    return `jobs/${payload.jobId}/echo/${payload.taskId}`;
  }

  async findStored({ store, key }: EchoTask): Promise<Result | undefined> {
    try {
      return JSON.parse((await (await openArtifact(store, key)).readFile('result.json')).toString('utf8')) as Result;
    } catch (error) {
      if ((error as Error).name === 'ArtifactNotCommittedError') return undefined;
      throw error;
    }
  }

  async work({ request }: EchoTask): Promise<WorkDone<Result, void>> {
    const attempt = ++this.calls;
    await this.gates.shift();
    const { taskId, text } = request.payload;
    if (text === 'bad') return { failed: { taskId, status: 'failed', error: 'text: expected something other than "bad"' } };
    if (text === 'refused') throw new InputError('text: refused');
    if (text === 'crash') throw new Error('the disk is on fire');
    return { succeeded: { taskId, status: 'succeeded', echo: text.toUpperCase(), attempt }, output: undefined };
  }

  async store({ store, key }: EchoTask, result: Result): Promise<void> {
    const writer = await ArtifactWriter.begin(store, key, { kind: 'echo', replaceUncommitted: true });
    await writer.addFile('result.json', JSON.stringify(result));
    await writer.commit();
  }

  failure(error: unknown, { request }: EchoTask): Result | undefined {
    return error instanceof InputError ? { taskId: request.payload.taskId, status: 'failed', error: error.message } : undefined;
  }

  logLine(result: Result) {
    return { level: 'info' as const, message: 'echo finished', fields: { taskId: result.taskId, status: result.status } };
  }
}

function request(taskId: string, text: string): MessageOf<typeof requested> {
  return createMessage(requested, { taskId, jobId: 'job-1', text }, { correlationId: 'job-1', tenant: 'acme' });
}

async function keysUnder(store: ArtifactStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list(prefix)) keys.push(entry.key);
  return keys.sort();
}

describe('TaskWorker', () => {
  let bus: InProcessMessageBus;
  let store: FilesystemArtifactStore;
  let results: TaskResults<typeof completed>;
  let work: EchoWork;
  let worker: TaskWorker<typeof requested, typeof completed>;

  beforeEach(async () => {
    bus = new InProcessMessageBus({ logger: silent, retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2 } });
    store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'task-worker-')));
    await bus.ensureTopics([requested, completed]);
    results = await TaskResults.listen(bus, completed, { group: 'task-worker-test', service: 'test' });
    work = new EchoWork();
    worker = new TaskWorker({ bus, store, logger: silent }, completed, work);
    await bus.subscribe<MessageOf<typeof requested>['payload']>(requested, { group: 'echo', service: 'test' }, (message) => worker.handle(message));
  });
  afterEach(async () => {
    await results.close();
    await bus.close();
  });

  it('works a task delivered twice once, stores its result in the tenant store, and announces the stored result again', async () => {
    const first = request('echo-1', 'hello');
    await bus.publish(requested, first);
    const answer = await results.result('echo-1');
    expect(answer.payload).toEqual({ taskId: 'echo-1', status: 'succeeded', echo: 'HELLO', attempt: 1 });
    expect(answer).toMatchObject({ correlationId: 'job-1', tenant: 'acme', causationId: first.messageId });
    const stored = await openArtifact(store.forTenant('acme'), 'jobs/job-1/echo/echo-1');

    // The same message again (a redelivery the bus did not record as done), then the same task re-sent under a new message id.
    await worker.handle(first);
    await bus.publish(requested, request('echo-1', 'hello'));
    expect((await results.result('echo-1', 2)).payload).toEqual(answer.payload);
    expect((await results.result('echo-1', 3)).payload).toEqual(answer.payload);
    expect(work.calls).toBe(1);
    expect((await openArtifact(store.forTenant('acme'), 'jobs/job-1/echo/echo-1')).manifest.createdAt).toBe(stored.manifest.createdAt);
  });

  it("announces the winner's stored result when another delivery of the task stored first", async () => {
    let releaseFirst!: () => void;
    let releaseSecond!: () => void;
    work.gates = [new Promise<void>((resolve) => (releaseFirst = resolve)), new Promise<void>((resolve) => (releaseSecond = resolve))];
    const message = request('echo-race', 'race');
    const first = worker.handle(message);
    const second = worker.handle(message);
    while (work.calls < 2) await new Promise((resolve) => setImmediate(resolve));
    releaseFirst();
    await first;
    releaseSecond();
    await second;
    expect(work.calls).toBe(2);
    expect((await results.result('echo-race', 1)).payload).toEqual({ taskId: 'echo-race', status: 'succeeded', echo: 'RACE', attempt: 1 });
    expect((await results.result('echo-race', 2)).payload).toEqual({ taskId: 'echo-race', status: 'succeeded', echo: 'RACE', attempt: 1 });
    // Real files and a real bus: on a loaded 2-core CI machine this took longer than Jest's default 5 s once.
  }, 30_000);

  it('announces a failed work as failed without storing it, so the same task sent again is worked again', async () => {
    await bus.publish(requested, request('echo-bad', 'bad'));
    expect((await results.result('echo-bad')).payload).toEqual({ taskId: 'echo-bad', status: 'failed', error: 'text: expected something other than "bad"' });
    expect(await keysUnder(store, 'acme/jobs/job-1/echo/')).toEqual([]);
    await bus.publish(requested, request('echo-bad', 'bad'));
    expect((await results.result('echo-bad', 2)).payload.status).toBe('failed');
    expect(work.calls).toBe(2);
  });

  it('announces an error the work maps as a failed result, leaves any other to the bus, and keeps serving', async () => {
    await bus.publish(requested, request('echo-refused', 'refused'));
    await bus.publish(requested, request('echo-crash', 'crash'));
    await bus.publish(requested, request('echo-next', 'next'));
    expect((await results.result('echo-refused')).payload).toEqual({ taskId: 'echo-refused', status: 'failed', error: 'text: refused' });
    expect((await results.result('echo-next')).payload).toMatchObject({ status: 'succeeded', echo: 'NEXT' });
    expect(bus.deadLettersOf(requested.name)).toEqual([expect.objectContaining({ reason: 'handler-failed', error: 'Error: the disk is on fire' })]);
    await expect(worker.handle(request('echo-crash', 'crash'))).rejects.toThrow('the disk is on fire');
  });
});

describe('BackgroundTasks and taskWorkerModule', () => {
  const settings = { recordsRoot: '_echo/tasks/', heartbeatMs: 50, takeoverAfterMs: 150, label: 'echo' };
  let bus: InProcessMessageBus;
  let store: FilesystemArtifactStore;
  let results: TaskResults<typeof completed>;

  beforeEach(async () => {
    bus = new InProcessMessageBus({ logger: silent });
    store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'background-tasks-')));
    await bus.ensureTopics([requested, completed]);
    results = await TaskResults.listen(bus, completed, { group: 'background-test', service: 'test' });
  });
  afterEach(async () => {
    await results.close();
    await bus.close();
  });

  async function recordsLeft(taskId: string): Promise<string[]> {
    return keysUnder(store, `_echo/tasks/acme/${taskId}/`);
  }

  it('records a delivered task once, runs it once in the background, and forgets it once announced', async () => {
    const work = new EchoWork();
    const worker = new TaskWorker({ bus, store, logger: silent }, completed, work);
    const records = new TaskRecords(store, requested, settings.recordsRoot);
    const tasks = new BackgroundTasks(records, (message) => worker.handle(message), settings, 'echo-a', silent);
    let release!: () => void;
    work.gates = [new Promise<void>((resolve) => (release = resolve))];
    const message = request('echo-bg', 'later');
    await tasks.accept(message);
    expect(await recordsLeft('echo-bg')).toEqual(['_echo/tasks/acme/echo-bg/request.json']);
    await tasks.accept(message);
    await tasks.accept(request('echo-bg', 'later'));
    release();
    expect((await results.result('echo-bg')).payload).toMatchObject({ status: 'succeeded', echo: 'LATER' });
    await tasks.stop();
    expect(work.calls).toBe(1);
    expect(await recordsLeft('echo-bg')).toEqual([]);
  });

  it('wires the handler of the requested topic in a Nest module, and takes over a task a dead instance left recorded', async () => {
    const orphan = request('echo-orphan', 'orphan');
    expect(await new TaskRecords(store, requested, settings.recordsRoot).register(orphan)).toBe(true);

    const definition = taskWorkerModule({ requested, completed, work: EchoWork, background: () => settings });
    @Module({ imports: [ServiceKitModule.forRuntime({ bus, store, logger: silent, config: {}, identity: { name: 'evaluator', version: '0', instanceId: 'echo-b', mode: 'embedded' } })], ...definition })
    class EchoModule {}
    const [Handler] = definition.controllers as Array<new (...args: never[]) => { handle(message: MessageOf<typeof requested>): Promise<void> }>;
    expect(Handler.name).toBe('EchoWorkHandler');
    expect(Reflect.getMetadata(PATTERN_METADATA, Handler.prototype.handle)).toEqual([requested.name]);

    const app = await NestFactory.createApplicationContext(EchoModule, { logger: false });
    await app.init();
    try {
      expect((await results.result('echo-orphan')).payload).toMatchObject({ status: 'succeeded', echo: 'ORPHAN' });
      await app.get(Handler).handle(request('echo-module', 'module'));
      expect((await results.result('echo-module')).payload).toMatchObject({ status: 'succeeded', echo: 'MODULE' });
    } finally {
      await app.close();
    }
    expect(await recordsLeft('echo-orphan')).toEqual([]);
  });
});
