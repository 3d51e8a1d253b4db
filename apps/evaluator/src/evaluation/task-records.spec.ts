import { createMessage, evaluationRunRequestedV1, loadDefaultConfig } from '@tuneforge/contracts';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirOf, TaskRecords } from './task-records';

function request(taskId: string) {
  return createMessage(
    evaluationRunRequestedV1,
    {
      taskId,
      jobId: 'ftjob-1',
      iteration: 1,
      baseModel: 'models/base',
      tunedModel: 'models/tuned',
      dataset: 'jobs/ftjob-1/dataset',
      tools: [],
      toolFixtures: [],
      curve: [],
      settings: loadDefaultConfig().evaluation,
      maxSequenceLength: 256,
      maxExamples: 4,
    },
    { correlationId: 'ftjob-1', tenant: 'acme' },
  );
}

async function keys(store: FilesystemArtifactStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.list(prefix)) out.push(entry.key);
  return out.sort();
}

describe('TaskRecords', () => {
  let store: FilesystemArtifactStore;
  let records: TaskRecords;
  beforeEach(() => {
    store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'evaluator-records-')));
    records = new TaskRecords(store);
  });

  it('records a task once: a second delivery finds it recorded', async () => {
    expect(await records.register(request('eval-1'))).toBe(true);
    expect(await records.register(request('eval-1'))).toBe(false);
    expect(await keys(store, '_evaluator/')).toEqual(['_evaluator/tasks/acme/eval-1/request.json']);
  });

  it('keeps one heartbeat per task and counts a task as orphaned only when its last sign of life is older than the limit', async () => {
    const first = request('eval-2');
    await records.register(first);
    await records.heartbeat('acme', 'eval-2', 'evaluator-a', 1000);
    await records.heartbeat('acme', 'eval-2', 'evaluator-a', 2000);
    expect(await keys(store, `${dirOf('acme', 'eval-2')}/heartbeats/`)).toEqual([`${dirOf('acme', 'eval-2')}/heartbeats/000000000002000-evaluator-a`]);

    const now = Date.now();
    expect(await records.orphans(60_000, new Set(), now)).toEqual([]);
    const later = await records.orphans(60_000, new Set(), now + 120_000);
    expect(later.map((o) => o.dir)).toEqual([dirOf('acme', 'eval-2')]);
    // A task this instance holds is never its own orphan.
    expect(await records.orphans(60_000, new Set([dirOf('acme', 'eval-2')]), now + 120_000)).toEqual([]);

    // Two instances claim the same orphan: one gets the request, the other nothing.
    const claimed = await records.claim(later[0], 'evaluator-b');
    expect(claimed?.payload.taskId).toBe('eval-2');
    expect(claimed?.messageId).toBe(first.messageId);
    expect(await records.claim(later[0], 'evaluator-c')).toBeUndefined();
  });

  it('forgets an answered task entirely', async () => {
    await records.register(request('eval-3'));
    await records.heartbeat('acme', 'eval-3', 'evaluator-a');
    await records.remove('acme', 'eval-3');
    expect(await keys(store, '_evaluator/')).toEqual([]);
    expect(await records.register(request('eval-3'))).toBe(true);
  });
});
