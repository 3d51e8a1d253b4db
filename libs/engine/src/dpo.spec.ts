// DPO against PyTorch: tools/parity/make_dpo_golden.py writes TRL 1.16's sigmoid DPO loss with its RPO term, in
// PyTorch, on pairs of tool calls rendered with the tiny models' chat templates (tools included). The engine's
// DPO step (reference log-probs before training, a policy pass, per-token weights, accumulateWeighted with pairs
// as units) must give the loss within 1e-4 and every gradient within 1e-4 relative, in micro-batches or not.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { TrainConfig } from './config';
import { dpoAccumulate, dpoMetrics, pairLogprobs, type PreferenceIds } from './dpo';
import { Model } from './model';
import { readSafetensors, type Tensor } from './safetensors';

const REPO = resolve(__dirname, '../../..');
const GOLDEN = join(REPO, 'tools/parity/golden');

interface Section {
  beta: number;
  rpo_alpha: number;
  ref_logps: { chosen: number[]; rejected: number[] };
  policy_logps: { chosen: number[]; rejected: number[] };
  metrics: Record<string, number>;
}

interface DpoCase {
  model_dir: string;
  pairs: Array<{ prompt_ids: number[]; chosen_ids: number[]; rejected_ids: number[] }>;
  full: Section;
  lora: Section;
  trajectory_full: { beta: number; rpo_alpha: number; steps: number; losses: number[]; grad_norms_before_clip: number[]; final_loss: number };
}

const config = (mode: 'full' | 'lora'): TrainConfig => ({
  mode,
  lora: mode === 'lora' ? { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] } : undefined,
  lr: 5e-3,
  betas: [0.9, 0.95],
  eps: 1e-8,
  weightDecay: 0.1,
  maxGradNorm: 1,
  schedule: 'cosine',
  warmupSteps: 5,
  totalSteps: 20,
});

function relErr(got: Float32Array, want: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

const reference = (s: Section, pairs: PreferenceIds[]) => s.ref_logps.chosen.map((chosen, i) => ({ chosen, rejected: s.ref_logps.rejected[i], chosenTokens: pairs[i].chosen.length, rejectedTokens: pairs[i].rejected.length }));

describe.each(['tiny-llama', 'tiny-qwen2'])('DPO parity with PyTorch (TRL formula): %s', (name) => {
  const dir = join(GOLDEN, name);
  const c = JSON.parse(readFileSync(join(dir, 'dpo.json'), 'utf8')) as DpoCase;
  const modelDir = join(REPO, c.model_dir);
  const pairs: PreferenceIds[] = c.pairs.map((p) => ({ prompt: p.prompt_ids, chosen: p.chosen_ids, rejected: p.rejected_ids }));
  let golden: Record<string, Tensor>;
  beforeAll(async () => {
    golden = await readSafetensors(join(dir, 'dpo.safetensors'));
  });

  async function expectGradients(trainer: Awaited<ReturnType<Model['createTrainer']>>, prefix: string): Promise<number> {
    let worst = 0;
    for (const p of trainer.paramNames()) {
      const e = relErr(await trainer.grad(p), golden[`${prefix}${p}`].data);
      worst = Math.max(worst, e);
      expect({ p, ok: e <= 1e-4 }).toEqual({ p, ok: true });
    }
    return worst;
  }

  it.each([3, 2, 1])('full fine-tuning: reference log-probs, loss, metrics and every gradient (%i pairs per micro-batch)', async (microBatchPairs) => {
    const model = await Model.load(modelDir, { threads: 2 });
    const ref = await pairLogprobs(model, pairs);
    ref.forEach((r, i) => {
      expect(Math.abs(r.chosen - c.full.ref_logps.chosen[i])).toBeLessThan(1e-3);
      expect(Math.abs(r.rejected - c.full.ref_logps.rejected[i])).toBeLessThan(1e-3);
    });
    const trainer = await model.createTrainer(config('full'));
    const metrics = await dpoAccumulate(trainer, pairs, reference(c.full, pairs), { beta: c.full.beta, rpoAlpha: c.full.rpo_alpha, microBatchPairs, padTokenId: 0 });
    expect(Math.abs(metrics.loss - c.full.metrics['loss'])).toBeLessThanOrEqual(1e-4);
    expect(metrics.logpsChosen).toBeCloseTo(c.full.metrics['logps/chosen'], 3);
    // z = 0 here (the policy is the reference): the margin is 0 up to float noise, so the accuracy is a tie.
    expect(Math.abs(metrics.rewardMargin - c.full.metrics['rewards/margins'])).toBeLessThanOrEqual(1e-5);
    await expectGradients(trainer, 'full.grad.');
    trainer.dispose();
    model.dispose();
  });

  it('LoRA: the base as reference, the adapter as policy; loss, TRL metrics and every gradient', async () => {
    const model = await Model.load(modelDir, { threads: 2 });
    const trainer = await model.createTrainer(config('lora'));
    await trainer.loadAdapter(join(dir, 'lora.safetensors'), 'init.');
    const metrics = await dpoAccumulate(trainer, pairs, reference(c.lora, pairs), { beta: c.lora.beta, microBatchPairs: 2, padTokenId: 0 });
    expect(Math.abs(metrics.loss - c.lora.metrics['loss'])).toBeLessThanOrEqual(1e-4);
    for (const [ours, trl] of [
      ['rewardsChosen', 'rewards/chosen'],
      ['rewardsRejected', 'rewards/rejected'],
      ['rewardMargin', 'rewards/margins'],
      ['rewardAccuracy', 'rewards/accuracies'],
    ] as const) {
      expect(Math.abs(metrics[ours] - c.lora.metrics[trl])).toBeLessThanOrEqual(1e-5);
    }
    await expectGradients(trainer, 'lora.grad.');
    // The same metrics from the log-probs alone (what validation and the evaluator use).
    const again = dpoMetrics(await pairLogprobs(model, pairs), reference(c.lora, pairs), { beta: c.lora.beta });
    expect(Math.abs(again.loss - c.lora.metrics['loss'])).toBeLessThanOrEqual(1e-4);
    trainer.dispose();
    model.dispose();
  });

  it('an 8-step AdamW trajectory of full fine-tuning follows the golden losses within 1e-4', async () => {
    const t = c.trajectory_full;
    const model = await Model.load(modelDir, { threads: 2 });
    const ref = await pairLogprobs(model, pairs);
    const trainer = await model.createTrainer(config('full'));
    for (let s = 0; s < t.steps; s++) {
      const metrics = await dpoAccumulate(trainer, pairs, ref, { beta: t.beta, rpoAlpha: t.rpo_alpha, microBatchPairs: 2, padTokenId: 0 });
      const step = await trainer.step();
      expect({ s, diff: Math.abs(metrics.loss - t.losses[s]) <= 1e-4 }).toEqual({ s, diff: true });
      expect(Math.abs(step.gradNorm - t.grad_norms_before_clip[s]) / t.grad_norms_before_clip[s]).toBeLessThan(1e-3);
    }
    const final = dpoMetrics(await pairLogprobs(model, pairs), ref, { beta: t.beta, rpoAlpha: t.rpo_alpha });
    expect(Math.abs(final.loss - t.final_loss)).toBeLessThanOrEqual(1e-4);
    trainer.dispose();
    model.dispose();
  });
});

describe('DPO arguments', () => {
  it('refuses a beta <= 0, empty outputs and a reference of another length', async () => {
    const model = await Model.load(join(REPO, 'tools/tiny-model/models/tiny-llama'), { threads: 1 });
    const trainer = await model.createTrainer(config('lora'));
    const pairs = [{ prompt: [1, 2], chosen: [3], rejected: [4] }];
    const ref = await pairLogprobs(model, pairs);
    await expect(dpoAccumulate(trainer, pairs, ref, { beta: 0, microBatchPairs: 1, padTokenId: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('beta') });
    await expect(dpoAccumulate(trainer, [{ prompt: [1], chosen: [], rejected: [4] }], ref, { beta: 0.1, microBatchPairs: 1, padTokenId: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(dpoAccumulate(trainer, pairs, [], { beta: 0.1, microBatchPairs: 1, padTokenId: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(trainer.accumulateWeighted({ inputIds: [[1, 2]], labels: [[-100, 2]], weights: [[0]] }, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(trainer.accumulateWeighted({ inputIds: [[1, 2]], labels: [[-100, 2]], weights: [[0, 1]] }, 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    trainer.dispose();
    model.dispose();
  });

  it('weights of 1 and the token count as units are plain accumulate', async () => {
    const model = await Model.load(join(REPO, 'tools/tiny-model/models/tiny-llama'), { threads: 1 });
    const batch = { inputIds: [[5, 6, 7, 8], [9, 10, 11, 12]], labels: [[-100, 6, 7, 8], [-100, -100, 11, 12]] };
    const plain = await model.createTrainer(config('full'));
    const loss = await plain.accumulate(batch);
    const name = plain.paramNames()[0];
    const want = await plain.grad(name);
    plain.dispose();
    const weighted = await model.createTrainer(config('full'));
    const out = await weighted.accumulateWeighted({ ...batch, weights: [[0, 1, 1, 1], [0, 0, 1, 1]] }, 5);
    expect(out.loss).toBeCloseTo(loss, 6);
    expect(relErr(await weighted.grad(name), want)).toBeLessThan(1e-6);
    // Token log-probs of the same pass, at the labeled positions.
    const lp = await model.tokenLogprobs(batch.inputIds);
    expect(out.tokenLogprobs[1][3]).toBeCloseTo(lp[1][3], 5);
    expect(out.tokenLogprobs[1][1]).toBe(0);
    weighted.dispose();
    model.dispose();
  });
});
