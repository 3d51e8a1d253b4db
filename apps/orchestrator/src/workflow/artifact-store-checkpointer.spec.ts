import { Annotation, Command, END, interrupt, START, StateGraph } from '@langchain/langgraph';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStoreCheckpointer } from './artifact-store-checkpointer';

const State = Annotation.Root({ steps: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }) });

function graph(saver: ArtifactStoreCheckpointer) {
  return new StateGraph(State)
    .addNode('first', () => ({ steps: ['first'] }))
    .addNode('wait', () => ({ steps: [`answer:${interrupt<string, string>('question')}`] }))
    .addEdge(START, 'first')
    .addEdge('first', 'wait')
    .addEdge('wait', END)
    .compile({ checkpointer: saver });
}

describe('ArtifactStoreCheckpointer', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'orchestrator-cp-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips checkpoints and writes through put, getTuple and list', async () => {
    const saver = new ArtifactStoreCheckpointer(new FilesystemArtifactStore(dir));
    const config = { configurable: { thread_id: 'ftjob-1', checkpoint_ns: '' } };
    const checkpoint = { v: 4, id: '1f0a0000-0000-6000-8000-000000000001', ts: new Date().toISOString(), channel_values: { x: 1 }, channel_versions: { x: 1 }, versions_seen: {} };
    const saved = await saver.put(config, checkpoint, { source: 'input', step: -1, parents: {} });
    await saver.putWrites(saved, [['x', 2]], 'task-a');
    await saver.putWrites(saved, [['x', 3]], 'task-a');
    const second = { ...checkpoint, id: '1f0a0000-0000-6000-8000-000000000002', channel_values: { x: 2 } };
    await saver.put(saved, second, { source: 'loop', step: 0, parents: {} });

    const fresh = new ArtifactStoreCheckpointer(new FilesystemArtifactStore(dir));
    const latest = await fresh.getTuple({ configurable: { thread_id: 'ftjob-1' } });
    expect(latest?.checkpoint.channel_values).toEqual({ x: 2 });
    expect(latest?.parentConfig?.configurable?.checkpoint_id).toBe(checkpoint.id);
    const first = await fresh.getTuple(saved);
    expect(first?.pendingWrites).toEqual([['task-a', 'x', 2]]);
    const listed = [];
    for await (const t of fresh.list({ configurable: { thread_id: 'ftjob-1' } })) listed.push(t.checkpoint.id);
    expect(listed).toEqual([second.id, checkpoint.id]);
    const filtered = [];
    for await (const t of fresh.list({}, { filter: { source: 'input' } })) filtered.push(t.checkpoint.id);
    expect(filtered).toEqual([checkpoint.id]);
    expect(await fresh.threadIds()).toEqual(['ftjob-1']);
    await fresh.deleteThread('ftjob-1');
    expect(await fresh.getTuple({ configurable: { thread_id: 'ftjob-1' } })).toBeUndefined();
  });

  it('lets a graph interrupted under one instance resume under a new one', async () => {
    const config = { configurable: { thread_id: 'ftjob-2' } };
    await graph(new ArtifactStoreCheckpointer(new FilesystemArtifactStore(dir))).invoke({ steps: [] }, config);
    const resumed = graph(new ArtifactStoreCheckpointer(new FilesystemArtifactStore(dir)));
    const waiting = await resumed.getState(config);
    expect(waiting.next).toEqual(['wait']);
    expect(waiting.tasks[0].interrupts[0].value).toBe('question');
    const done = await resumed.invoke(new Command({ resume: 'yes' }), config);
    expect(done.steps).toEqual(['first', 'answer:yes']);
    expect((await resumed.getState(config)).next).toEqual([]);
  });
});
