// GRPO against PyTorch: tools/parity/make_grpo_golden.py writes TRL 1.16's GRPO loss (checked there against TRL's own
// GRPOTrainer._compute_loss) on six rollouts of the tiny models' chat template — tool calls and answers, a tool result
// masked inside one, a two-turn episode as two segments. The engine's GRPO step (advantages, an optional policy pass,
// per-token weights, accumulateWeighted with the aggregation's normaliser) must give the loss, the KL and clip
// metrics and every gradient, full fine-tuning and LoRA, on-policy and off-policy, for each aggregation.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { TrainConfig } from './config';
import { grpoAccumulate, sampleLogprobs, type GrpoSample, type SampleLogprobs } from './grpo';
import { groupAdvantages, tokenTerm, checkGrpoOptions, type GrpoAggregation, type RewardScaling } from './grpo-loss';
import { Model, type Trainer } from './model';
import { readSafetensors, type Tensor } from './safetensors';

const REPO = resolve(__dirname, '../../..');
const GOLDEN = join(REPO, 'tools/parity/golden');

interface ConfigSection {
  aggregation: GrpoAggregation;
  beta: number;
  epsilon_low: number;
  epsilon_high: number;
  off_policy: boolean;
  reward_scaling: RewardScaling;
  max_completion_length: number;
  advantages: number[];
  metrics: Record<string, number>;
  old_logps: number[][] | null;
}

interface GrpoCase {
  model_dir: string;
  group_size: number;
  rewards: number[];
  samples: Array<{ segments: Array<{ tokens: number[]; mask: number[] }> }>;
  full: { reference_logps: number[][][]; configs: Record<string, ConfigSection> };
  lora: { reference_logps: number[][][]; configs: Record<string, ConfigSection> };
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

/** The golden's old log-probs (per sample, its loss tokens in order) laid out per segment and token. */
function oldLayout(samples: GrpoCase['samples'], flat: number[][]): SampleLogprobs {
  return samples.map((s, i) => {
    let k = 0;
    return s.segments.map((seg) => seg.mask.map((m) => (m === 1 ? flat[i][k++] : 0)));
  });
}

describe.each(['tiny-llama', 'tiny-qwen2'])('GRPO parity with PyTorch (TRL 1.16 formula): %s', (name) => {
  const dir = join(GOLDEN, name);
  const c = JSON.parse(readFileSync(join(dir, 'grpo.json'), 'utf8')) as GrpoCase;
  const modelDir = join(REPO, c.model_dir);
  let golden: Record<string, Tensor>;
  beforeAll(async () => {
    golden = await readSafetensors(join(dir, 'grpo.safetensors'));
  });

  const samplesOf = (section: ConfigSection): GrpoSample[] => c.samples.map((s, i) => ({ segments: s.segments, advantage: section.advantages[i] }));

  it.each(['group', 'batch', 'none'] as const)('advantages with %s scaling', (scaling) => {
    const section = [...Object.values(c.full.configs), ...Object.values(c.lora.configs)].find((s) => s.reward_scaling === scaling);
    if (!section) throw new Error(`the golden has no ${scaling} config`);
    const { advantages } = groupAdvantages(c.rewards, c.group_size, scaling);
    advantages.forEach((a, i) => expect(Math.abs(a - section.advantages[i])).toBeLessThan(1e-5));
  });

  async function checkStep(trainer: Trainer, key: string, section: ConfigSection, reference: SampleLogprobs, prefix: string, microBatchSamples: number): Promise<void> {
    const metrics = await grpoAccumulate(
      trainer,
      samplesOf(section),
      { reference, ...(section.old_logps ? { old: oldLayout(c.samples, section.old_logps) } : {}) },
      {
        beta: section.beta,
        epsilonLow: section.epsilon_low,
        epsilonHigh: section.epsilon_high,
        aggregation: section.aggregation,
        maxCompletionLength: section.max_completion_length,
        microBatchSamples,
        padTokenId: 0,
      },
    );
    const m = section.metrics;
    expect({ key, loss: Math.abs(metrics.loss - m['loss']) <= 1e-5 + 1e-4 * Math.abs(m['loss']) }).toEqual({ key, loss: true });
    expect(metrics.lossTokens).toBe(m['loss_tokens']);
    expect(Math.abs(metrics.kl - m['kl'])).toBeLessThan(1e-5);
    expect(metrics.clipLow).toBeCloseTo(m['clip_ratio/low_mean'], 10);
    expect(metrics.clipHigh).toBeCloseTo(m['clip_ratio/high_mean'], 10);
    expect(metrics.clipRatio).toBeCloseTo(m['clip_ratio/region_mean'], 10);
    for (const p of trainer.paramNames()) {
      const e = relErr(await trainer.grad(p), golden[`${prefix}.${key}.grad.${p}`].data);
      expect({ key, p, ok: e <= 1e-4 }).toEqual({ key, p, ok: true });
    }
  }

  it('the golden clips on both sides somewhere, so clipping is tested', () => {
    const clipped = Object.values({ ...c.full.configs, ...c.lora.configs }).filter((s) => s.metrics['clip_ratio/low_mean'] > 0 && s.metrics['clip_ratio/high_mean'] > 0);
    expect(clipped.length).toBeGreaterThan(0);
    expect(Math.max(...Object.values(c.full.configs).map((s) => s.metrics['kl']))).toBeGreaterThan(1e-4);
  });

  it.each(Object.keys(c.full.configs).flatMap((key) => [[key, 6] as const, [key, 2] as const]))('full fine-tuning, %s: loss, KL, clip ratios and every gradient (%i samples per micro-batch)', async (key, micro) => {
    const model = await Model.load(modelDir, { threads: 2 });
    const trainer = await model.createTrainer(config('full'));
    await checkStep(trainer, key, c.full.configs[key], c.full.reference_logps, 'full', micro);
    trainer.dispose();
    model.dispose();
  });

  it.each(Object.keys(c.lora.configs))('LoRA, %s: the base (adapter left out) as reference; loss, metrics and every gradient', async (key) => {
    const model = await Model.load(modelDir, { threads: 2 });
    const trainer = await model.createTrainer(config('lora'));
    await trainer.loadAdapter(join(dir, 'lora.safetensors'), 'init.');
    const section = c.lora.configs[key];
    const reference = await sampleLogprobs(model, samplesOf(section), { base: true });
    let worst = 0;
    reference.forEach((sample, i) => sample.forEach((seg, j) => seg.forEach((lp, t) => (worst = Math.max(worst, Math.abs(lp - c.lora.reference_logps[i][j][t]))))));
    expect(worst).toBeLessThan(1e-4);
    await checkStep(trainer, key, section, reference, 'lora', 4);
    trainer.dispose();
    model.dispose();
  });
});

describe('GRPO arithmetic', () => {
  it('a group of equal rewards has zero advantages and is counted', () => {
    const { advantages, zeroStdGroups } = groupAdvantages([1, 1, 1, 0, 1, 0], 3);
    expect(advantages.slice(0, 3)).toEqual([0, 0, 0]);
    expect(zeroStdGroups).toBe(1);
    const sd = Math.sqrt(1 / 3);
    expect(advantages[3]).toBeCloseTo(-(1 / 3) / (sd + 1e-4), 10);
    // Dr. GRPO: no std.
    expect(groupAdvantages([1, 0], 2, 'none').advantages).toEqual([0.5, -0.5]);
  });

  it('∂p/∂log πθ is the derivative of the token loss (central differences), clipped or not, with and without KL', () => {
    const o = checkGrpoOptions({ beta: 0.07, epsilonLow: 0.2, epsilonHigh: 0.28, aggregation: 'token' });
    for (const [advantage, logprob, old, ref] of [
      [1.3, -2.0, -2.1, -1.7],
      [1.3, -2.0, -2.5, -1.7], // r > 1 + ε, A > 0: clipped
      [-0.8, -2.0, -1.5, -2.4], // r < 1 − ε, A < 0: clipped
      [-0.8, -2.0, -2.5, -2.4], // r > 1 + ε, A < 0: not clipped
      [0.4, -0.3, -0.3, -0.3],
    ]) {
      const h = 1e-6;
      const numeric = (tokenTerm(advantage, logprob + h, old, ref, o).loss - tokenTerm(advantage, logprob - h, old, ref, o).loss) / (2 * h);
      expect(tokenTerm(advantage, logprob, old, ref, o).dLogprob).toBeCloseTo(numeric, 5);
    }
  });

  it('refuses bad settings and samples', async () => {
    expect(() => checkGrpoOptions({ beta: -1, epsilonLow: 0.2, epsilonHigh: 0.2, aggregation: 'token' })).toThrow(/beta/);
    expect(() => checkGrpoOptions({ beta: 0, epsilonLow: 0.2, epsilonHigh: 0.2, aggregation: 'dr_grpo' })).toThrow(/maxCompletionLength/);
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/whole number of groups/);
    const model = await Model.load(join(REPO, 'tools/tiny-model/models/tiny-llama'), { threads: 1 });
    const trainer = await model.createTrainer(config('full'));
    const opts = { beta: 0.1, epsilonLow: 0.2, epsilonHigh: 0.2, aggregation: 'token' as const, microBatchSamples: 1, padTokenId: 0 };
    const sample = { segments: [{ tokens: [1, 2, 3], mask: [0, 1, 1] }], advantage: 1 };
    await expect(grpoAccumulate(trainer, [sample], {}, opts)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('reference') });
    await expect(grpoAccumulate(trainer, [{ ...sample, segments: [{ tokens: [1, 2], mask: [1, 1] }] }], {}, { ...opts, beta: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(grpoAccumulate(trainer, [{ ...sample, segments: [{ tokens: [1, 2], mask: [0, 0] }] }], {}, { ...opts, beta: 0 })).rejects.toMatchObject({ message: expect.stringContaining('loss token') });
    trainer.dispose();
    model.dispose();
  });
});
