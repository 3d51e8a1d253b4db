import { Annotation, Command, END, interrupt, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { openDatabase, type Database } from '@tuneforge/database';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRunner } from './job-runner';
import { openCheckpointer } from './postgres-checkpointer';
import { inboxKeys, job, prepared, RecordingPublisher, silent, tunedName, workflowIds } from './workflow-spec-fixtures';

const State = Annotation.Root({ steps: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }) });

function graph(saver: BaseCheckpointSaver) {
  return new StateGraph(State)
    .addNode('first', () => ({ steps: ['first'] }))
    .addNode('wait', () => ({ steps: [`answer:${interrupt<string, string>('question')}`] }))
    .addEdge(START, 'first')
    .addEdge('first', 'wait')
    .addEdge('wait', END)
    .compile({ checkpointer: saver });
}

describe("LangGraph's Postgres checkpointer on the metadata database (PGlite)", () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it("sets its tables up in the database's schema, once, and lets a graph interrupted under one saver resume under a new one", async () => {
    database = await openDatabase('pglite:memory', { schema: 'orchestrator_spec' });
    const first = await openCheckpointer(database);
    // setup() again (every start runs it) finds its migrations applied.
    const second = await openCheckpointer(database);
    const tables = await database.query<{ table_schema: string; table_name: string }>(
      "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN ('checkpoints', 'checkpoint_blobs', 'checkpoint_writes', 'checkpoint_migrations') ORDER BY table_name",
    );
    expect(tables).toEqual(['checkpoint_blobs', 'checkpoint_migrations', 'checkpoint_writes', 'checkpoints'].map((table_name) => ({ table_schema: 'orchestrator_spec', table_name })));
    expect(await database.query('SELECT count(*)::int AS n FROM checkpoint_migrations')).toEqual([{ n: 5 }]);

    const config = { configurable: { thread_id: 'ftjob-2' } };
    await graph(first).invoke({ steps: [] }, config);
    const resumed = graph(second);
    const waiting = await resumed.getState(config);
    expect(waiting.next).toEqual(['wait']);
    expect(waiting.tasks[0].interrupts[0].value).toBe('question');
    const done = await resumed.invoke(new Command({ resume: 'yes' }), config);
    expect(done.steps).toEqual(['first', 'answer:yes']);
    expect((await resumed.getState(config)).next).toEqual([]);
    const inputs = [];
    for await (const tuple of second.list(config, { filter: { source: 'input' } })) inputs.push(tuple.metadata?.step);
    expect(inputs).toEqual([-1]);
  }, 120_000);

  it('keeps a job waiting for its approval across a restart of the orchestrator and its database: resumeAll picks it up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrator-restart-'));
    try {
      const store = new FilesystemArtifactStore(join(dir, 'artifacts'));
      const url = `pglite:${join(dir, 'metadata')}`;
      const id = 'ftjob-restarted';
      database = await openDatabase(url);
      const publisher = new RecordingPublisher();
      const runner = await JobRunner.open(store, database, publisher, silent);
      await runner.start(job(id, { trainingHalfway: 'ask' }));
      await runner.deliver(id, inboxKeys.preparation(workflowIds.preparationTask(id)), prepared(id));
      const runId = workflowIds.trainingRun(id);
      await runner.recordCurvePoint(id, runId, { step: 1, loss: 2, learningRate: 0.1 });
      await runner.deliver(id, inboxKeys.trainingHalfway(runId), { step: 2, totalSteps: 4, loss: 1.5 });
      const [asked] = publisher.of('job.approval.requested.v1');
      expect(asked).toBeDefined();
      runner.close();
      await database.close();

      // A new process: the database opened again from its directory, a new runner, nothing in memory.
      database = await openDatabase(url);
      const restartedPublisher = new RecordingPublisher();
      const restarted = await JobRunner.open(store, database, restartedPublisher, silent);
      expect(await restarted.resumeAll()).toEqual([id]);
      expect(restartedPublisher.sent).toEqual([]);
      expect(await restarted.waiting(id)).toMatchObject({ waitFor: [inboxKeys.cancel, inboxKeys.approval(asked.approvalId as string)] });
      expect(await restarted.has(id, inboxKeys.trainingHalfway(runId))).toBe(true);
      expect(await restarted.read({ jobId: id }, runId)).toEqual([{ step: 1, loss: 2, learningRate: 0.1 }]);

      await restarted.deliver(id, inboxKeys.approval(asked.approvalId as string), { approvalId: asked.approvalId, jobId: id, decision: 'approve', answeredBy: 'human' });
      expect(restartedPublisher.of('training.run.control.v1').map((c) => c.action)).toEqual(['resume']);
      await restarted.deliver(id, inboxKeys.trainingCompleted(runId), { runId, jobId: id, status: 'succeeded', steps: 4, finalLoss: 0.5, artifacts: { adapter: 'a', merged: 'm' } });
      expect(restartedPublisher.of('job.lifecycle.status-changed.v1').at(-1)).toMatchObject({ status: 'succeeded', fine_tuned_model: tunedName(id) });
      // Finished: the next start resumes nothing.
      expect(await restarted.resumeAll()).toEqual([]);
      restarted.close();
    } finally {
      await database?.close();
      database = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
