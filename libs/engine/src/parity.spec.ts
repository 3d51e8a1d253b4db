// Golden parity against PyTorch/transformers/PEFT outputs from tools/parity (make_golden.py): Llama (llama3 rope
// scaling), Qwen2 (q/k/v biases, tied embeddings), Qwen3 (per-head q/k RMSNorm, head_dim 32 on a 64-wide model) and
// Mistral (sliding window 6, shorter than every sample: the golden used transformers' own sliding-window mask).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { type TrainConfig } from './config';
import { Model } from './model';
import { readSafetensors, type Tensor } from './safetensors';

const REPO = resolve(__dirname, '../../..');
const GOLDEN = join(REPO, 'tools/parity/golden');

interface Case {
  model_dir: string;
  vocab_size: number;
  input_ids: number[][];
  labels: number[][];
  position_ids: number[][];
  optimizer: {
    lr: number;
    betas: [number, number];
    eps: number;
    weight_decay: number;
    max_grad_norm: number;
    warmup_steps: number;
    num_training_steps: number;
  };
  lora: { r: number; alpha: number; dropout: number; target_modules: string[] };
}

interface Trajectory {
  losses: number[];
  lrs: number[];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function relErr(got: Float32Array, want: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

function trainConfig(c: Case, mode: 'full' | 'lora'): TrainConfig {
  const o = c.optimizer;
  return {
    mode,
    lora:
      mode === 'lora'
        ? { r: c.lora.r, alpha: c.lora.alpha, dropout: c.lora.dropout, targetModules: c.lora.target_modules as never }
        : undefined,
    lr: o.lr,
    betas: o.betas,
    eps: o.eps,
    weightDecay: o.weight_decay,
    maxGradNorm: o.max_grad_norm,
    schedule: 'cosine',
    warmupSteps: o.warmup_steps,
    totalSteps: o.num_training_steps,
  };
}

describe.each(['tiny-llama', 'tiny-qwen2', 'tiny-qwen3', 'tiny-mistral'])('parity with PyTorch: %s', (name) => {
  const dir = join(GOLDEN, name);
  const c = readJson<Case>(join(dir, 'case.json'));
  const modelDir = join(REPO, c.model_dir);
  const batch = { inputIds: c.input_ids, labels: c.labels, positionIds: c.position_ids };
  let full: Record<string, Tensor>;

  beforeAll(async () => {
    full = await readSafetensors(join(dir, 'full.safetensors'));
  });

  it.each([false, true])('logits within 1e-4, loss within 1e-5 relative, every gradient within 1e-3 relative (recompute %s)', async (recompute) => {
    const model = await Model.load(modelDir, { threads: 2 });
    const logits = await model.forward(c.input_ids, c.position_ids);
    const want = full['logits'].data;
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i] - want[i]));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);

    const trainer = await model.createTrainer({ ...trainConfig(c, 'full'), recompute });
    const loss = await trainer.accumulate(batch);
    const wantLoss = full['loss'].data[0];
    expect(Math.abs(loss - wantLoss) / wantLoss).toBeLessThanOrEqual(1e-5);
    const names = trainer.paramNames();
    expect(names.length).toBe(Object.keys(full).filter((k) => k.startsWith('grad.')).length);
    // Named so that a failure says which parameter drifted.
    for (const p of names) expect({ p, ok: relErr(await trainer.grad(p), full[`grad.${p}`].data) <= 1e-3 }).toEqual({ p, ok: true });
    trainer.dispose();
    model.dispose();
  });

  it('LoRA gradients within 1e-3 relative (PEFT names)', async () => {
    const lora = await readSafetensors(join(dir, 'lora.safetensors'));
    const model = await Model.load(modelDir, { threads: 2 });
    const trainer = await model.createTrainer(trainConfig(c, 'lora'));
    await trainer.loadAdapter(join(dir, 'lora.safetensors'), 'init.');
    const loss = await trainer.accumulate(batch);
    expect(Math.abs(loss - lora['loss'].data[0]) / lora['loss'].data[0]).toBeLessThanOrEqual(1e-5);
    const names = trainer.paramNames();
    expect(names.length).toBe(Object.keys(lora).filter((k) => k.startsWith('grad.')).length);
    for (const p of names) expect({ p, ok: relErr(await trainer.grad(p), lora[`grad.${p}`].data) <= 1e-3 }).toEqual({ p, ok: true });
    trainer.dispose();
    model.dispose();
  });

  it.each([
    ['full', 'full', false],
    ['full_grad_accum_2', 'full', true],
    ['lora', 'lora', false],
  ] as const)('20-step AdamW trajectory (%s) within 1e-4', async (kind, mode, accumulate) => {
    const traj = readJson<Record<string, Trajectory>>(join(dir, 'trajectory.json'))[kind];
    const model = await Model.load(modelDir, { threads: 2 });
    const trainer = await model.createTrainer(trainConfig(c, mode));
    if (mode === 'lora') await trainer.loadAdapter(join(dir, 'lora.safetensors'), 'init.');
    const losses: number[] = [];
    for (let s = 0; s < traj.losses.length; s++) {
      if (accumulate) {
        for (let b = 0; b < c.input_ids.length; b++)
          await trainer.accumulate({ inputIds: [c.input_ids[b]], labels: [c.labels[b]], positionIds: [c.position_ids[b]] });
      } else {
        await trainer.accumulate(batch);
      }
      const r = await trainer.step();
      expect(r.lr).toBeCloseTo(traj.lrs[s], 9);
      losses.push(r.loss);
    }
    const worst = Math.max(...losses.map((l, i) => Math.abs(l - traj.losses[i])));
    expect(worst).toBeLessThanOrEqual(1e-4);
    if (!accumulate) {
      // The parameters after 20 updates, read back from a checkpoint.
      const ckpt = mkdtempSync(join(tmpdir(), 'tf-traj-'));
      await trainer.save(join(ckpt, 'final'));
      const got = await readSafetensors(join(ckpt, 'final', 'trainable.safetensors'));
      const want = await readSafetensors(join(dir, 'trajectory.safetensors'));
      const prefix = mode === 'lora' ? 'lora_final.' : 'final.';
      for (const p of trainer.paramNames())
        expect({ p, ok: relErr(got[p].data, want[prefix + p].data) <= 1e-3 }).toEqual({ p, ok: true });
      rmSync(ckpt, { recursive: true, force: true });
    }
    trainer.dispose();
    model.dispose();
  });

  it('a PEFT-written adapter directory attaches and reproduces the golden LoRA logits', async () => {
    const lora = await readSafetensors(join(dir, 'lora.safetensors'));
    const model = await Model.load(modelDir, { threads: 2 });
    await model.attachAdapter(join(dir, 'lora_adapter_init'));
    const logits = await model.forward(c.input_ids, c.position_ids);
    const want = lora['logits'].data;
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i] - want[i]));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    model.dispose();
  });

  it('identical greedy tokens and matching log-probabilities', async () => {
    const g = readJson<{ prompt_ids: number[]; generated_ids: number[]; logprobs: number[] }>(join(dir, 'greedy.json'));
    const model = await Model.load(modelDir, { threads: 2 });
    const [out] = await model.generate([g.prompt_ids], { maxNewTokens: g.generated_ids.length });
    expect(out.tokens).toEqual(g.generated_ids);
    out.logprobs.forEach((lp, i) => expect(Math.abs(lp - g.logprobs[i])).toBeLessThanOrEqual(1e-4));
    const [scored] = await model.continuationLogprobs([{ prompt: g.prompt_ids, continuation: g.generated_ids }]);
    scored.forEach((lp, i) => expect(Math.abs(lp - g.logprobs[i])).toBeLessThanOrEqual(1e-4));
    model.dispose();
  });
});
