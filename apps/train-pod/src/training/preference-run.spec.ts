// A DPO run through the pod with the real engine and the tiny Llama: preference pairs whose outputs are tool calls
// (apps/gateway/test/fixtures), tokenized with the chat template and the tools, trained with LoRA against the base.
import { loadDefaultConfig, trainingCheckpointSavedV1, trainingRunProgressedV1, type PayloadOf, type PodRunSpec } from '@tuneforge/contracts';
import { collectDataset, loadModelTokenizer } from '@tuneforge/datasets';
import { Model, pairLogprobs } from '@tuneforge/engine';
import { commitLocalDirectory, downloadArtifact, FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tokenizePreferenceFile } from './preference-training';
import { runTraining } from './training-run';
import { recordingChannel } from '../testing/recording-channel';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
const FIXTURES = resolve(__dirname, '../../../gateway/test/fixtures');
type Progress = PayloadOf<typeof trainingRunProgressedV1>;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'train-pod-dpo-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a DPO run', () => {
  it('trains LoRA on tool-call preference pairs: DPO loss and TRL metrics per step, validation pairs at checkpoints, a tuned model that prefers the chosen calls more', async () => {
    const store = new FilesystemArtifactStore(join(tmp, 'store'));
    const baseModel = await commitLocalDirectory(store, 'models/tiny-llama', LLAMA, { kind: 'model' });
    const dataDir = join(tmp, 'dataset');
    mkdirSync(dataDir);
    copyFileSync(join(FIXTURES, 'dpo-tools.train.jsonl'), join(dataDir, 'train.jsonl'));
    copyFileSync(join(FIXTURES, 'dpo-tools.heldout.jsonl'), join(dataDir, 'validation.jsonl'));
    const dataset = await commitLocalDirectory(store, 'datasets/pairs', dataDir, { kind: 'dataset' });
    const defaults = loadDefaultConfig();
    const training = {
      ...defaults.training,
      objective: 'dpo' as const,
      dpo: { beta: 0.1, rpoAlpha: 0 },
      epochs: 6,
      batchSize: 8,
      microBatchSize: 4,
      learningRate: 2e-3,
      warmupRatio: 0,
      checkpointEverySteps: 9,
      lora: { ...defaults.training.lora, dropout: 0 },
    };
    const channel = recordingChannel();
    const spec: PodRunSpec = { tenant: 'tenant-a', requestMessageId: 'message-1', request: { runId: 'run-dpo', jobId: 'job-1', baseModel, datasets: [dataset], training, maxSequenceLength: 512 } };
    const result = await runTraining(spec, { store, channel, logger: createLogger('train-pod-test', { level: 'warn' }), threads: 2 });
    expect(result).toMatchObject({ status: 'succeeded', steps: 18 });

    const progress = channel.sent.filter((m) => m.topic === trainingRunProgressedV1.name).map((m) => m.payload as Progress);
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    // Step 1 starts from the reference (LoRA's B is 0): every reward is 0 and the loss is log 2.
    expect(progress[0].loss).toBeCloseTo(Math.log(2), 5);
    expect(Math.abs(progress[0].preference!.rewardMargin)).toBeLessThan(1e-4);
    for (const p of progress) {
      expect(p.preference).toMatchObject({ rewardAccuracy: expect.any(Number), logpsChosen: expect.any(Number), logpsRejected: expect.any(Number) });
      expect(p.tokens).toBeGreaterThan(0);
    }
    // The loss falls and the chosen calls pull ahead of the rejected ones.
    expect(progress.at(-1)!.loss).toBeLessThan(progress[0].loss);
    expect(progress.at(-1)!.preference!.rewardMargin).toBeGreaterThan(0);
    // Checkpoint steps measured the held-out pairs: DPO loss as valid_loss, their reward accuracy and margin.
    const validated = progress.filter((p) => p.validLoss !== undefined);
    expect(validated.map((p) => p.step)).toEqual([9, 18]);
    expect(validated[0].preference).toMatchObject({ validRewardAccuracy: expect.any(Number), validRewardMargin: expect.any(Number) });
    const checkpoints = channel.sent.filter((m) => m.topic === trainingCheckpointSavedV1.name).map((m) => m.payload as PayloadOf<typeof trainingCheckpointSavedV1>);
    expect(checkpoints.at(-1)!.metrics).toMatchObject({ step: 18, valid_loss: validated[1].validLoss });

    // The merged model gives the chosen outputs more log-probability against the rejected ones than the base did.
    const merged = join(tmp, 'merged');
    await downloadArtifact(store, (result as { artifacts: { merged: string } }).artifacts.merged, merged);
    const tokenizer = await loadModelTokenizer(LLAMA);
    const pairs = tokenizePreferenceFile(tokenizer, (await collectDataset(join(dataDir, 'train.jsonl'))).records, 512, 'train.jsonl');
    const margin = async (dir: string) => {
      const model = await Model.load(dir, { threads: 2 });
      const scores = await pairLogprobs(model, pairs);
      model.dispose();
      return scores.reduce((sum, s) => sum + s.chosen - s.rejected, 0) / scores.length;
    };
    expect(await margin(merged)).toBeGreaterThan((await margin(LLAMA)) + 0.5);
  }, 240_000);

  it('refuses a dataset line that is not a preference pair, naming it', async () => {
    const tokenizer = await loadModelTokenizer(LLAMA);
    writeFileSync(join(tmp, 'chat.jsonl'), readFileSync(resolve(__dirname, '../../../trainer/test/fixtures/train.jsonl'), 'utf8').split('\n')[0] + '\n');
    const { records } = await collectDataset(join(tmp, 'chat.jsonl'));
    expect(() => tokenizePreferenceFile(tokenizer, records, 512, 'd/train.jsonl')).toThrow(/d\/train\.jsonl: 1 record\(s\) cannot be trained as preference pairs/);
  });
});
