// A training run whose micro-batch does not fit: the pod redoes the step in smaller micro-batches (logged), or,
// when one row does not fit either, ends the run failed with the out-of-memory error in its completed event.
// The real engine and the tiny Llama under the engine's own allocator limit (no mock).
import { loadDefaultConfig, trainingRunCompletedV1, trainingRunProgressedV1, type PodRunSpec } from '@tuneforge/contracts';
import { memoryStats, Model, setMemoryLimit } from '@tuneforge/engine';
import { commitLocalDirectory, FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTraining } from './training-run';
import { recordingChannel } from '../testing/recording-channel';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
// Four samples of about the same length, one per row (no packing): one step of four rows.
const LINES = ['Oslo', 'Paris', 'Lima', 'Rome'].map((city) => ({
  prompt: `What is the weather like in ${city} today, and should I take an umbrella with me?`,
  completion: ` In ${city} it is cloudy with some rain in the afternoon, so an umbrella is a good idea.`,
}));

let tmp: string;
let store: FilesystemArtifactStore;
let baseModel: string;
let dataset: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'train-pod-memory-'));
  store = new FilesystemArtifactStore(join(tmp, 'store'));
  baseModel = await commitLocalDirectory(store, 'models/tiny-llama', LLAMA, { kind: 'model' });
  const dataDir = join(tmp, 'dataset');
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'train.jsonl'), LINES.map((l) => JSON.stringify(l)).join('\n') + '\n');
  dataset = await commitLocalDirectory(store, 'datasets/weather', dataDir, { kind: 'dataset' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => setMemoryLimit(0));

async function run(runId: string, microBatchSize: number) {
  const channel = recordingChannel();
  const logs: string[] = [];
  const defaults = loadDefaultConfig();
  const training = { ...defaults.training, method: 'full' as const, epochs: 1, batchSize: 4, microBatchSize, learningRate: 1e-3, warmupRatio: 0 };
  const spec: PodRunSpec = {
    tenant: 'tenant-a',
    requestMessageId: 'message-1',
    request: { runId, jobId: 'job-1', baseModel, datasets: [dataset], training, maxSequenceLength: 128, packing: false },
  };
  const logger = createLogger('train-pod-test', { level: 'warn', destination: { write: (line: string) => void logs.push(line) } });
  const result = await runTraining(spec, { store, channel, logger, threads: 1 });
  const completed = channel.sent.filter((m) => m.topic === trainingRunCompletedV1.name).map((m) => m.payload);
  const progress = channel.sent.filter((m) => m.topic === trainingRunProgressedV1.name).map((m) => m.payload as { step: number; memoryRetries?: unknown[] });
  return { result, completed, progress, logs: logs.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('a training step that runs out of memory', () => {
  it('is redone with half the micro-batch (logged), and a run where one row does not fit fails saying so', async () => {
    // What the engine holds at rest (weights, gradients, moments) and at the peak of runs in micro-batches of one
    // and of four rows, unlimited: the limits below sit between them.
    const before = memoryStats().inUse;
    const model = await Model.load(LLAMA, { threads: 1 });
    const trainer = await model.createTrainer({ mode: 'full', lr: 1e-3, totalSteps: 1 });
    const resting = memoryStats().inUse - before;
    trainer.dispose();
    model.dispose();
    memoryStats('cpu', true);
    expect((await run('run-one', 1)).result).toMatchObject({ status: 'succeeded', steps: 1 });
    const oneRow = memoryStats('cpu', true).peak - before;
    const plain = await run('run-four', 4);
    expect(plain.result).toMatchObject({ status: 'succeeded', steps: 1 });
    const fourRows = memoryStats().peak - before;
    expect(fourRows - resting).toBeGreaterThan(2 * (oneRow - resting));

    setMemoryLimit(before + Math.round(oneRow + (fourRows - oneRow) / 4));
    const retried = await run('run-retried', 4);
    expect(retried.result).toMatchObject({ status: 'succeeded', steps: 1 });
    expect((retried.result as { finalLoss: number }).finalLoss).toBeCloseTo((plain.result as { finalLoss: number }).finalLoss, 5);
    const notes = retried.logs.filter((l) => String(l['msg']).includes('ran out of memory'));
    expect(notes[0]).toMatchObject({ level: 'warn', runId: 'run-retried', step: 1, fromMicroBatchSize: 4, toMicroBatchSize: 2, accumulation: 2 });
    expect(String(notes[0]['msg'])).toMatch(/^step 1 ran out of memory: redone with micro-batches of 2 \(was 4\), 2 per step, the same global batch$/);
    // The step's progress carries the retry to the job's events (the orchestrator says it as a warning).
    expect(retried.progress[0].memoryRetries).toEqual(notes.map((n) => ({ step: n['step'], fromMicroBatchSize: n['fromMicroBatchSize'], toMicroBatchSize: n['toMicroBatchSize'], accumulation: n['accumulation'] })));
    expect(retried.progress[0].memoryRetries![0]).toEqual({ step: 1, fromMicroBatchSize: 4, toMicroBatchSize: 2, accumulation: 2 });
    expect(plain.progress[0].memoryRetries).toBeUndefined();

    setMemoryLimit(before + Math.round((resting + oneRow) / 2));
    const failed = await run('run-failed', 4);
    expect(failed.result).toMatchObject({ status: 'failed', step: 0 });
    expect((failed.result as { error: string }).error).toMatch(/^step 1 ran out of memory even with a micro-batch of 1 \(batch size 4\): out of memory/);
    expect(failed.completed).toEqual([failed.result]);
  }, 120_000);
});
