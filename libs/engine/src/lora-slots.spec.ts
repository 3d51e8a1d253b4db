// Multi-LoRA through the TypeScript face: two trained adapters in slots of one unmerged base, decoded in one
// session together with the base, give each merged model's greedy tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { TrainConfig } from './config';
import { EngineError } from './errors';
import { Model } from './model';

const LLAMA = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');
const PROMPTS = [
  [1, 451, 201, 752],
  [1, 616, 201, 36, 71],
];
const NEW_TOKENS = 36;

function loraConfig(r: number, targetModules: NonNullable<TrainConfig['lora']>['targetModules'], seed: number): TrainConfig {
  return { mode: 'lora', lora: { r, alpha: 2 * r, dropout: 0, targetModules }, lr: 5e-2, schedule: 'constant', totalSteps: 10, seed, maxGradNorm: 1 };
}

/** Trains a few LoRA steps on its own data, saves the adapter and the merged model (float32). */
async function tune(dir: string, config: TrainConfig, offset: number): Promise<void> {
  const model = await Model.load(LLAMA, { threads: 1 });
  const trainer = await model.createTrainer(config);
  const row = Array.from({ length: 16 }, (_, i) => (offset + i * 37) % 700);
  for (let s = 0; s < 6; s++) {
    await trainer.accumulate({ inputIds: [row], labels: [[-100, ...row.slice(1)]] });
    await trainer.step();
  }
  trainer.dispose();
  await model.saveAdapter(join(dir, 'adapter'), 'tiny-llama');
  await model.saveMerged(join(dir, 'merged'), { dtype: 'float32' });
  model.dispose();
}

describe('LoRA slots (multi-LoRA serving)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tf-engine-lora-slots-'));
    await tune(join(tmp, 'a'), loraConfig(4, ['q_proj', 'v_proj', 'down_proj'], 1), 5);
    await tune(join(tmp, 'b'), loraConfig(8, ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], 2), 11);
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('decodes each sequence with its slot: the merged models greedy tokens, batched over one base', async () => {
    const expected: number[][][] = [];
    for (const name of ['a', 'b']) {
      const merged = await Model.load(join(tmp, name, 'merged'), { threads: 1 });
      expected.push((await merged.generate(PROMPTS, { maxNewTokens: NEW_TOKENS, temperature: 0 })).map((g) => g.tokens));
      merged.dispose();
    }
    const base = await Model.load(LLAMA, { threads: 1 });
    const plain = (await base.generate(PROMPTS, { maxNewTokens: NEW_TOKENS, temperature: 0 })).map((g) => g.tokens);
    const a = await base.addLoraSlot(join(tmp, 'a', 'adapter'));
    const b = await base.addLoraSlot(join(tmp, 'b', 'adapter'));
    expect([a.slot, b.slot, base.loraSlots]).toEqual([1, 2, 2]);
    // f32 A and B: 2 layers x (q, v, down) at rank 4, and every projection at rank 8.
    expect(a.bytes).toBeGreaterThan(0);
    expect(b.bytes).toBeGreaterThan(a.bytes);
    const session = await base.createSession({ maxSequences: 7, maxContext: 64 });
    const ids = new Map<number, { prompt: number; slot: number }>();
    for (const slot of [1, 2, 0])
      for (const [prompt, tokens] of PROMPTS.entries())
        ids.set(await session.add(tokens, { maxNewTokens: NEW_TOKENS, temperature: 0, loraSlot: slot }), { prompt, slot });
    await expect(session.add(PROMPTS[0], { maxNewTokens: 4, temperature: 0, loraSlot: 3 })).rejects.toThrow(EngineError);
    const tokens = new Map<number, number[]>();
    for (;;) {
      const steps = await session.step();
      if (steps.length === 0) break;
      for (const s of steps) tokens.set(s.id, [...(tokens.get(s.id) ?? []), s.token]);
    }
    for (const [id, { prompt, slot }] of ids) {
      const want = slot === 0 ? plain[prompt] : expected[slot - 1][prompt];
      expect(want.length).toBeGreaterThanOrEqual(32);
      expect(tokens.get(id)).toEqual(want);
    }
    expect(expected[0]).not.toEqual(plain);
    expect(expected[1]).not.toEqual(plain);
    session.dispose();
    base.dispose();
  }, 120_000);
});
