// Retention keeps a run's newest checkpoints plus its best, deletes the rest as newer ones commit, and says which
// it deleted on the saved message (the consumers forget their rows and model names from it).
import { loadDefaultConfig, trainingCheckpointSavedV1, type CheckpointMetrics, type PodRunSpec } from '@tuneforge/contracts';
import { commitLocalDirectory, FilesystemArtifactStore, listCommittedArtifacts } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkpointsToRetire } from './checkpoint-retention';
import { recordingChannel } from '../testing/recording-channel';
import { stepOfCheckpoint } from './run-keys';
import { runTraining } from './training-run';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
const at = (step: number, loss?: number) => ({ step, prefix: `runs/r/checkpoints/step-${step}`, loss });

describe('checkpointsToRetire', () => {
  it('keeps the newest `keep` and an older best, retiring the rest oldest first', () => {
    const run = [at(1, 2.0), at(2, 0.5), at(3, 0.9), at(4, 1.1), at(5, 1.2)];
    expect(checkpointsToRetire(run, 2).map((c) => c.step)).toEqual([1, 3]);
    // The best among the newest costs nothing extra.
    expect(checkpointsToRetire([at(1, 2), at(2, 1.5), at(3, 0.1)], 1).map((c) => c.step)).toEqual([1, 2]);
    // Ties keep the newer; checkpoints without a loss are kept only by recency.
    expect(checkpointsToRetire([at(1, 0.5), at(2, 0.5), at(3), at(4)], 1).map((c) => c.step)).toEqual([1, 3]);
    expect(checkpointsToRetire([at(1), at(2)], 3)).toEqual([]);
  });
});

describe('a run with retention', () => {
  let tmp: string;
  beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), 'train-pod-retention-'))));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('ends with exactly its newest two checkpoints and its best in the store, and announced every other one as retired', async () => {
    const store = new FilesystemArtifactStore(join(tmp, 'store'));
    const baseModel = await commitLocalDirectory(store, 'models/tiny-llama', LLAMA, { kind: 'model' });
    const dataDir = join(tmp, 'dataset');
    mkdirSync(dataDir);
    const line = (i: number) => JSON.stringify({ prompt: `Question ${i}: what is ${i} + ${i}?`, completion: ` ${2 * i}` });
    writeFileSync(join(dataDir, 'train.jsonl'), [1, 2, 3].map(line).join('\n') + '\n');
    writeFileSync(join(dataDir, 'validation.jsonl'), line(7) + '\n');
    const dataset = await commitLocalDirectory(store, 'datasets/sums', dataDir, { kind: 'dataset' });
    const defaults = loadDefaultConfig();
    const training = { ...defaults.training, method: 'full' as const, epochs: 3, batchSize: 1, microBatchSize: 1, learningRate: 0.05, schedule: 'constant' as const, warmupRatio: 0, checkpointEverySteps: 1, keepCheckpoints: 2 };
    const channel = recordingChannel();
    const spec: PodRunSpec = {
      tenant: 'tenant-a',
      requestMessageId: 'message-1',
      request: { runId: 'run-1', jobId: 'job-1', baseModel, datasets: [dataset], training, maxSequenceLength: 64, packing: false },
    };

    const result = await runTraining(spec, { store, channel, logger: createLogger('retention-test', { level: 'warn' }), threads: 1 });

    expect(result).toMatchObject({ status: 'succeeded', steps: 9 });
    const saved = channel.sent.filter((m) => m.topic === trainingCheckpointSavedV1.name).map((m) => m.payload as { step: number; metrics: CheckpointMetrics; retiredSteps?: number[] });
    expect(saved.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const best = saved.reduce((a, b) => ((b.metrics.valid_loss ?? Infinity) <= (a.metrics.valid_loss ?? Infinity) ? b : a));
    const expectedKept = [...new Set([8, 9, best.step])].sort((a, b) => a - b);
    const inStore: number[] = [];
    for await (const ref of listCommittedArtifacts(store, 'jobs/job-1/training/run-1/checkpoints/')) {
      const step = stepOfCheckpoint(ref.prefix);
      if (step !== undefined) inStore.push(step);
    }
    expect(inStore.sort((a, b) => a - b)).toEqual(expectedKept);
    const retired = saved.flatMap((s) => s.retiredSteps ?? []);
    expect([...new Set(retired)].sort((a, b) => a - b)).toEqual(saved.map((s) => s.step).filter((s) => !expectedKept.includes(s)));
    // Never more than keep + 1 (the best) committed after any commit: nothing waits for the end of the run.
    let committed = 0;
    for (const s of saved) {
      committed += 1 - (s.retiredSteps?.length ?? 0);
      expect(committed).toBeLessThanOrEqual(3);
    }
  }, 120_000);
});
