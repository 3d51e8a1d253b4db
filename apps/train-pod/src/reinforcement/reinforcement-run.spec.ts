// A reinforcement run through the pod with the real engine and the tiny Llama: prompts of OpenAI's reinforcement
// format (the last message a user message, extra fields for the grader), rollouts on the serving path, a grader
// function, GRPO steps with LoRA and a KL term against the base (the adapter left out), progress events with the
// reward metrics, the validation pass rate every evalInterval steps, checkpoints and the exported model.
import { loadDefaultConfig, rolloutRecordSchema, trainingRunProgressedV1, type PayloadOf, type PodRunSpec } from '@tuneforge/contracts';
import { commitLocalDirectory, FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTraining } from '../training/training-run';
import { buildRetrievalIndex, writeIndexArtifact } from '@tuneforge/retrieval-kit';
import { parseReinforcementLines, rolloutTools } from './reinforcement-run';
import { recordingChannel } from '../testing/recording-channel';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
type Progress = PayloadOf<typeof trainingRunProgressedV1>;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'train-pod-rl-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const line = (a: number, b: number) => JSON.stringify({ messages: [{ role: 'user', content: `${a}+${b}` }], answer: String(a + b) });

describe('a reinforcement run', () => {
  it('rolls out, grades and trains GRPO steps: reward metrics per step, the pass rate every evalInterval steps, an exported model', async () => {
    const store = new FilesystemArtifactStore(join(tmp, 'store'));
    const baseModel = await commitLocalDirectory(store, 'models/tiny-llama', LLAMA, { kind: 'model' });
    const dataDir = join(tmp, 'dataset');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'train.jsonl'), [line(1, 2), line(3, 4), line(2, 2), line(5, 1)].join('\n') + '\n');
    writeFileSync(join(dataDir, 'validation.jsonl'), [line(4, 4), line(6, 1)].join('\n') + '\n');
    const dataset = await commitLocalDirectory(store, 'datasets/rl', dataDir, { kind: 'dataset' });
    const defaults = loadDefaultConfig();
    const training = {
      ...defaults.training,
      objective: 'reinforcement' as const,
      reinforcement: { grader: { type: 'string_check', name: 'answer', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' }, computeMultiplier: 0.5, evalInterval: 2, evalSamples: 2, reasoningEffort: 'default' as const },
      grpo: { maxTurns: 2, maxNewTokens: 12, beta: 0.04 },
      epochs: 1,
      batchSize: 2,
      microBatchSize: 2,
      learningRate: 5e-3,
      warmupRatio: 0,
      checkpointEverySteps: 2,
      lora: { ...defaults.training.lora, dropout: 0 },
    };
    const graded: Array<{ text: string; item: Record<string, unknown> }> = [];
    // The grader the service builds from libs/graders; here a deterministic stand-in scoring the answer's length
    // modulo 5, so the random model's episodes of a group score differently.
    const graderFor = (grader: unknown) => {
      expect(grader).toMatchObject({ type: 'string_check' });
      return async (sample: { output_text: string }, item: Record<string, unknown>) => {
        graded.push({ text: sample.output_text, item });
        return (sample.output_text.length % 5) / 4;
      };
    };
    const channel = recordingChannel();
    const spec = { tenant: 'tenant-a', requestMessageId: 'message-1', request: { runId: 'run-rl', jobId: 'job-1', baseModel, datasets: [dataset], training, maxSequenceLength: 1024 } } as unknown as PodRunSpec;
    const result = await runTraining(spec, { store, channel, logger: createLogger('train-pod-test', { level: 'warn' }), threads: 2, graderFor });
    expect(result).toMatchObject({ status: 'succeeded', steps: 2 });

    const progress = channel.sent.filter((m) => m.topic === trainingRunProgressedV1.name).map((m) => m.payload as Progress);
    expect(progress.map((p) => p.step)).toEqual([1, 2]);
    for (const p of progress) {
      // compute_multiplier 0.5: 2 chains per prompt; 2 prompts a step.
      expect(p.reinforcement).toMatchObject({ groups: 2, rewardMean: expect.any(Number), rewardStd: expect.any(Number), clipRatio: 0 });
      expect(Number.isFinite(p.loss)).toBe(true);
      expect(p.tokens).toBeGreaterThan(0);
    }
    // Step 1 starts from the base (LoRA's B = 0): the KL to the base is 0; step 2 has moved away from it.
    expect(Math.abs(progress[0].reinforcement!.kl)).toBeLessThan(1e-6);
    expect(progress[1].reinforcement!.kl).toBeGreaterThan(0);
    // evalInterval 2: the pass rate at step 2 only, over the 2 validation prompts.
    expect(progress[0].reinforcement!.validPassRate).toBeUndefined();
    expect(progress[1].reinforcement).toMatchObject({ validPassRate: expect.any(Number), validRewardMean: expect.any(Number) });
    // Every line reached the grader whole: 2 steps x 2 prompts x 2 chains, then 2 validation episodes.
    expect(graded).toHaveLength(10);
    expect(graded[0].item).toMatchObject({ messages: expect.any(Array), answer: expect.any(String) });
    expect(result).toMatchObject({ artifacts: { adapter: expect.any(String), merged: expect.any(String), rollouts: 'jobs/job-1/training/run-rl/rollouts' } });
    // Each step's rollouts are recorded for the report: 2 groups x 2 chains, with the grader's reward, the advantage
    // within the group (each group's advantages sum to 0), and the episode turn by turn.
    for (const step of [1, 2]) {
      const text = (await store.getBuffer(`jobs/job-1/training/run-rl/rollouts/step-0000000${step}.jsonl`)).toString();
      const records = text.trim().split('\n').map((l) => rolloutRecordSchema.parse(JSON.parse(l)));
      expect(records.map((r) => [r.step, r.group, r.chain])).toEqual([[step, 0, 0], [step, 0, 1], [step, 1, 0], [step, 1, 1]]);
      for (const r of records) {
        expect(r.turns.length).toBeGreaterThan(0);
        expect(r.reward).toBe((r.finalAnswer ?? r.turns.at(-1)!.raw).length % 5 / 4);
        expect(r.task).toMatch(/^\d\+\d$/);
      }
      for (const g of [0, 1]) expect(Math.abs(records.filter((r) => r.group === g).reduce((a, r) => a + r.advantage, 0))).toBeLessThan(1e-9);
    }
  }, 240_000);

  it('updates several times per batch of rollouts with numIterations: the second update reuses the batch and clips against its rollout-time policy', async () => {
    const store = new FilesystemArtifactStore(join(tmp, 'store-mu'));
    const baseModel = await commitLocalDirectory(store, 'models/tiny-llama', LLAMA, { kind: 'model' });
    const dataDir = join(tmp, 'dataset-mu');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'train.jsonl'), [line(1, 2), line(3, 4), line(2, 2), line(5, 1)].join('\n') + '\n');
    const dataset = await commitLocalDirectory(store, 'datasets/rl-mu', dataDir, { kind: 'dataset' });
    const defaults = loadDefaultConfig();
    const training = {
      ...defaults.training,
      objective: 'reinforcement' as const,
      reinforcement: { grader: { type: 'string_check' }, computeMultiplier: 1, evalInterval: 100, evalSamples: 1, reasoningEffort: 'default' as const },
      grpo: { maxTurns: 1, maxNewTokens: 10, numIterations: 2, epsilonLow: 0.01, epsilonHigh: 0.01 },
      epochs: 1,
      batchSize: 2,
      microBatchSize: 4,
      learningRate: 3e-2,
      warmupRatio: 0,
      checkpointEverySteps: 100,
      lora: { ...defaults.training.lora, dropout: 0 },
    };
    let graded = 0;
    const graderFor = () => async (sample: { output_text: string }) => {
      graded++;
      return (sample.output_text.length % 5) / 4;
    };
    const channel = recordingChannel();
    const spec = { tenant: 'tenant-a', requestMessageId: 'message-mu', request: { runId: 'run-mu', jobId: 'job-mu', baseModel, datasets: [dataset], training, maxSequenceLength: 1024 } } as unknown as PodRunSpec;
    const result = await runTraining(spec, { store, channel, logger: createLogger('train-pod-test', { level: 'warn' }), threads: 2, graderFor });
    // 4 prompts, 2 a batch, 2 updates a batch: 4 steps, rollouts at steps 1 and 3 only (2 x 2 prompts x 4 chains graded).
    expect(result).toMatchObject({ status: 'succeeded', steps: 4 });
    expect(graded).toBe(16);
    const progress = channel.sent.filter((m) => m.topic === trainingRunProgressedV1.name).map((m) => m.payload as Progress);
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    // The second update of a batch reports the batch's rewards again, and its ratio moved away from 1 after the
    // first update (a tight clip range at a high learning rate clips some tokens); the first update's ratio is 1.
    expect(progress[1].reinforcement!.rewardMean).toBe(progress[0].reinforcement!.rewardMean);
    expect(progress[0].reinforcement!.clipRatio).toBe(0);
    expect(progress[1].reinforcement!.clipRatio).toBeGreaterThan(0);
    const files: string[] = [];
    for await (const listing of store.list('jobs/job-mu/training/run-mu/rollouts/')) files.push(listing.key.split('/').pop()!);
    expect(files.sort()).toEqual(['step-00000001.jsonl', 'step-00000003.jsonl']);
  }, 240_000);

  it("offers episodes a search tool over the job's documents when the run has a retrieval index", async () => {
    const store = new FilesystemArtifactStore(join(tmp, 'store-search'));
    const built = await buildRetrievalIndex([{ source: 'file-hours', bytes: Buffer.from('# Hours\n\nThe Rotterdam office opens at nine and closes at five.'), filename: 'hours.md' }]);
    await writeIndexArtifact(store, 'jobs/job-s/retrieval/index', built.index!);
    const task = { messages: [{ role: 'user' as const, content: 'When does the office open?' }], item: {} };
    const spec = (retrievalIndex?: string) => ({ request: { ...(retrievalIndex ? { retrievalIndex } : {}) } }) as unknown as PodRunSpec;
    const tools = (await rolloutTools({ spec: spec('jobs/job-s/retrieval/index'), store }))(task)();
    expect(tools.map((t) => t.name)).toEqual(['calculator', 'search']);
    expect(await tools[1].execute({ query: 'office opens' }, { callId: 'c', sessionId: 's', chain: 0, turn: 1 })).toContain('opens at nine');
    expect((await rolloutTools({ spec: spec(), store }))(task)().map((t) => t.name)).toEqual(['calculator']);
    await expect(rolloutTools({ spec: spec('jobs/job-s/retrieval/missing'), store })).rejects.toThrow(/missing/);
  });

  it('reads OpenAI reinforcement lines and names a line that is not one', () => {
    expect(parseReinforcementLines(`${line(1, 1)}\n\n`, 'f')).toEqual([{ messages: [{ role: 'user', content: '1+1' }], item: { messages: [{ role: 'user', content: '1+1' }], answer: '2' } }]);
    expect(() => parseReinforcementLines('{"messages": [{"role": "assistant", "content": "x"}]}', 'd/train.jsonl')).toThrow(/d\/train\.jsonl line 1: the last message must be a user message/);
    expect(() => parseReinforcementLines('nope', 'f')).toThrow(/line 1: not JSON/);
  });

  it('fails a run without a grader runtime, or whose grader fails the run, saying so', async () => {
    const store = new FilesystemArtifactStore(join(tmp, 'store-2'));
    const baseModel = await commitLocalDirectory(store, 'models/tiny-llama', LLAMA, { kind: 'model' });
    const dataDir = join(tmp, 'dataset-2');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'train.jsonl'), line(1, 2) + '\n');
    const dataset = await commitLocalDirectory(store, 'datasets/rl', dataDir, { kind: 'dataset' });
    const defaults = loadDefaultConfig();
    const training = { ...defaults.training, objective: 'reinforcement' as const, reinforcement: { grader: { type: 'string_check' }, computeMultiplier: 1, evalInterval: 1, evalSamples: 1, reasoningEffort: 'default' as const } };
    const spec = { tenant: 'tenant-a', requestMessageId: 'm', request: { runId: 'run-rl-2', jobId: 'job-2', baseModel, datasets: [dataset], training, maxSequenceLength: 512 } } as unknown as PodRunSpec;
    const result = await runTraining(spec, { store, channel: recordingChannel(), logger: createLogger('train-pod-test', { level: 'silent' }), threads: 2 });
    expect(result).toMatchObject({ status: 'failed', error: expect.stringContaining('grader') });
    // A grader that fails the run (an endpoint still down after its retries) fails it with its reason; the pod lives on.
    const down = () => async () => {
      throw new Error('score_model: http://127.0.0.1:9/v1 still unreachable after 4 attempts');
    };
    const again = await runTraining({ ...spec, request: { ...spec.request, runId: 'run-rl-3', maxSequenceLength: 2048 } }, { store, channel: recordingChannel(), logger: createLogger('train-pod-test', { level: 'silent' }), threads: 2, graderFor: down });
    expect(again).toMatchObject({ status: 'failed', step: 0, error: expect.stringContaining('still unreachable after 4 attempts') });
  }, 60_000);
});
