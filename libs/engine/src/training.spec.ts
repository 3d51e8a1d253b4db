// Training lifecycle through the TypeScript face: exact resume, export, vocabulary growth,
// generation controls, and calls that run off the JavaScript thread.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { TokenBatch, TrainConfig } from './config';
import { Model } from './model';
import { readSafetensors } from './safetensors';

const TINY = resolve(__dirname, '../../../tools/tiny-model/models');
const LLAMA = join(TINY, 'tiny-llama');
const QWEN = join(TINY, 'tiny-qwen2');

const batch: TokenBatch = {
  inputIds: [
    [1, 451, 201, 752, 309, 634, 33, 2, 201, 1, 459, 201],
    [361, 28, 289, 466, 295, 354, 0, 1, 2, 3, 418, 28],
  ],
  labels: [
    [-100, -100, -100, 752, 309, 634, 33, 2, 201, 1, 459, 201],
    [-100, 28, 289, 466, 295, 354, -100, 1, 2, 3, 418, 28],
  ],
  positionIds: [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5],
  ],
};

const lora: TrainConfig = {
  mode: 'lora',
  lora: { r: 4, alpha: 8, dropout: 0.1, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
  lr: 1e-2,
  betas: [0.9, 0.95],
  weightDecay: 0.01,
  maxGradNorm: 1,
  schedule: 'cosine',
  warmupSteps: 1,
  totalSteps: 8,
  seed: 3,
};

describe('training lifecycle', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tf-engine-train-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  async function losses(model: Model, config: TrainConfig, steps: number, checkpoint?: { at: number; dir: string }) {
    const trainer = await model.createTrainer(config);
    const out: number[] = [];
    for (let s = 0; s < steps; s++) {
      await trainer.accumulate(batch);
      out.push((await trainer.step()).loss);
      if (checkpoint && s + 1 === checkpoint.at) await trainer.save(checkpoint.dir);
    }
    trainer.dispose();
    return out;
  }

  it.each([
    ['full', { ...lora, mode: 'full', lora: undefined, lr: 3e-3 } as TrainConfig],
    ['lora', lora],
  ])('resuming a %s run at step k gives the uninterrupted losses', async (_name, config) => {
    const ckpt = join(tmp, 'ckpt');
    const straight = await Model.load(LLAMA, { threads: 2 });
    const all = await losses(straight, config, 6, { at: 3, dir: ckpt });
    straight.dispose();
    expect(existsSync(join(ckpt, 'manifest.json'))).toBe(true);

    const resumed = await Model.load(LLAMA, { threads: 2 });
    const trainer = await resumed.createTrainer(config);
    await trainer.resume(ckpt);
    expect(trainer.stepCount).toBe(3);
    const rest: number[] = [];
    for (let s = 0; s < 3; s++) {
      await trainer.accumulate(batch);
      rest.push((await trainer.step()).loss);
    }
    expect(rest).toEqual(all.slice(3));
    trainer.dispose();
    resumed.dispose();
  });

  it('exports a merged model and a PEFT adapter that reproduce the adapted model', async () => {
    const model = await Model.load(QWEN, { threads: 2 });
    await losses(model, { ...lora, lora: { ...lora.lora!, dropout: 0 } }, 3);
    const adapted = await model.forward(batch.inputIds, batch.positionIds);
    await model.saveMerged(join(tmp, 'merged'));
    await model.saveAdapter(join(tmp, 'adapter'), 'tiny-qwen2');
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'manifest.json'])
      expect(existsSync(join(tmp, 'merged', f))).toBe(true);
    const merged = await Model.load(join(tmp, 'merged'), { threads: 2 });
    const logits = await merged.forward(batch.inputIds, batch.positionIds);
    let maxDiff = 0;
    for (let i = 0; i < logits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i] - adapted[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    const adapterConfig = JSON.parse(readFileSync(join(tmp, 'adapter', 'adapter_config.json'), 'utf8'));
    expect(adapterConfig).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, task_type: 'CAUSAL_LM' });
    const tensors = await readSafetensors(join(tmp, 'adapter', 'adapter_model.safetensors'));
    expect(Object.keys(tensors)).toContain('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight');
    expect(tensors['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight'].shape).toEqual([64, 4]);
    merged.dispose();
    model.dispose();
  });

  it('grows the vocabulary with mean rows', async () => {
    const model = await Model.load(LLAMA, { threads: 1 });
    const before = model.info().vocabSize;
    // Queued behind the growth, the forward pass sees the new vocabulary.
    const [, grownLogits] = await Promise.all([model.addTokens(2), model.forward([[1]])]);
    expect(grownLogits.length).toBe(before + 2);
    expect(model.info().vocabSize).toBe(before + 2);
    const logits = await model.forward([[before], [before + 1]]);
    const v = before + 2;
    for (let i = 0; i < v; i++) expect(logits[i]).toBe(logits[v + i]);
    await model.saveMerged(join(tmp, 'grown'), { dtype: 'bfloat16' });
    await expect(model.saveMerged(join(tmp, 'bad'), { dtype: 'int8' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const config = JSON.parse(readFileSync(join(tmp, 'grown', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ vocab_size: before + 2, torch_dtype: 'bfloat16' });
    const reloaded = await Model.load(join(tmp, 'grown'), { threads: 1 });
    expect(reloaded.info().vocabSize).toBe(before + 2);
    reloaded.dispose();
    model.dispose();
  });

  it('generates with stops and scores continuations', async () => {
    const model = await Model.load(LLAMA, { threads: 1 });
    const prompt = [1, 451, 201, 752];
    const [greedy] = await model.generate([prompt], { maxNewTokens: 6 });
    expect(greedy.finishReason).toBe('length');
    const [stopped] = await model.generate([prompt], { maxNewTokens: 6, stop: [greedy.tokens.slice(2, 4)] });
    expect(stopped).toMatchObject({ tokens: greedy.tokens.slice(0, 2), finishReason: 'stop' });
    const [scores] = await model.continuationLogprobs([{ prompt, continuation: greedy.tokens }]);
    scores.forEach((lp, i) => expect(lp).toBeCloseTo(greedy.logprobs[i], 4));
    const sampled = await model.generate([prompt, [1, 2]], { maxNewTokens: 5, temperature: 0.8, topK: 50, topP: 0.95, seed: 9 });
    const again = await model.generate([prompt, [1, 2]], { maxNewTokens: 5, temperature: 0.8, topK: 50, topP: 0.95, seed: 9 });
    expect(again).toEqual(sampled);
    model.dispose();
  });

  it('runs engine calls off the JavaScript thread and queues overlapping calls', async () => {
    const model = await Model.load(LLAMA, { threads: 1 });
    const trainer = await model.createTrainer({ mode: 'full', lr: 1e-3 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const work = Promise.all([
      trainer.accumulate(batch),
      trainer.accumulate(batch),
      model.forward(batch.inputIds),
      trainer.accumulate(batch),
    ]);
    const [a, b] = await work;
    clearInterval(timer);
    expect(a).toBeCloseTo(b, 6);
    expect(ticks).toBeGreaterThan(0);
    expect((await trainer.step()).tokens).toBe(3 * 19);
    trainer.dispose();
    model.dispose();
  });
});

describe('token accuracy (OpenAI train_mean_token_accuracy / valid_mean_token_accuracy)', () => {
  /** Greedy hits counted from the full logits: label t+1 against the argmax at t (ties to the lowest id). */
  async function hitsFromLogits(model: Model): Promise<{ hits: number; tokens: number }> {
    const logits = await model.forward(batch.inputIds, batch.positionIds);
    const V = model.info().vocabSize;
    const seq = batch.inputIds[0].length;
    let hits = 0;
    let tokens = 0;
    batch.labels.forEach((row, b) => {
      for (let t = 0; t + 1 < seq; t++) {
        const label = row[t + 1];
        if (label === -100) continue;
        const start = (b * seq + t) * V;
        let best = 0;
        for (let v = 1; v < V; v++) if (logits[start + v] > logits[start + best]) best = v;
        tokens++;
        if (best === label) hits++;
      }
    });
    return { hits, tokens };
  }

  it('a step counts the labeled tokens its greedy prediction got right, and tokenScores flags the same tokens', async () => {
    const model = await Model.load(LLAMA);
    try {
      // No dropout: the training pass then computes the logits model.forward() does.
      const trainer = await model.createTrainer({ ...lora, lora: { ...lora.lora!, dropout: 0 }, lr: 5e-2 });
      // Train a few steps first so that some predictions are right (a random model gets almost none).
      for (let s = 0; s < 4; s++) {
        await trainer.accumulate(batch);
        await trainer.step();
      }
      const expected = await hitsFromLogits(model);
      await trainer.accumulate(batch);
      const result = await trainer.step();
      expect(result.tokens).toBe(expected.tokens);
      expect(result.correctTokens).toBe(expected.hits);
      expect(result.correctTokens).toBeGreaterThan(0);
      trainer.dispose();

      // Row 0 is one sample (positions 0..11): tokenScores over it must flag what the logits' argmax says.
      const scores = await model.tokenScores([batch.inputIds[0]]);
      const logits = await model.forward([batch.inputIds[0]]);
      const V = model.info().vocabSize;
      const greedy0 = batch.inputIds[0].map((token, t) => {
        if (t === 0) return false;
        let best = 0;
        for (let v = 1; v < V; v++) if (logits[(t - 1) * V + v] > logits[(t - 1) * V + best]) best = v;
        return best === token;
      });
      expect(scores.greedy[0]).toEqual(greedy0);
      expect(scores.logprobs[0]).toEqual(await model.tokenLogprobs([batch.inputIds[0]]).then((rows) => rows[0]));
    } finally {
      model.dispose();
    }
  });
});
