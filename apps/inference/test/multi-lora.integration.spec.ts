import { Model, type TrainConfig } from '@tuneforge/engine';
import { MODEL_ARTIFACT_KIND } from '@tuneforge/contracts';
import { commitLocalDirectory, DatabaseModelRecords, ModelRegistry } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { KEY_A, startServing, TINY_LLAMA_DIR, TINY_MODEL, type Serving } from './serving-harness';

const TENANT = 'tenant-a';
const PROMPT = 'Question: what is 2 + 2?\nThought:';
const NEW_TOKENS = 40;

/** Trains a few LoRA steps of tiny-llama on its own text, saving the adapter and the merged model (float32). */
async function tune(dir: string, config: TrainConfig, offset: number): Promise<void> {
  const model = await Model.load(TINY_LLAMA_DIR, { threads: 1 });
  const trainer = await model.createTrainer(config);
  const row = Array.from({ length: 24 }, (_, i) => (offset + i * 41) % 800);
  for (let s = 0; s < 6; s++) {
    await trainer.accumulate({ inputIds: [row], labels: [[-100, ...row.slice(1)]] });
    await trainer.step();
  }
  trainer.dispose();
  await model.saveAdapter(join(dir, 'adapter'), TINY_MODEL);
  await model.saveMerged(join(dir, 'merged'), { dtype: 'float32' });
  model.dispose();
}

describe('multi-LoRA: tuned models served as adapters over one shared base', () => {
  let serving: Serving;
  let client: OpenAI;
  let tmp: string;
  const tuned = ['ft:tiny-llama:tenant-a:one:aaaa1111', 'ft:tiny-llama:tenant-a:two:bbbb2222'];
  const mergedOnly = ['ft:tiny-llama:tenant-a:one-merged:cccc3333', 'ft:tiny-llama:tenant-a:two-merged:dddd4444'];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tf-multi-lora-'));
    serving = await startServing();
    client = serving.client(KEY_A);
    const configs: TrainConfig[] = [
      { mode: 'lora', lora: { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj', 'down_proj'] }, lr: 5e-2, totalSteps: 10, seed: 1, maxGradNorm: 1 },
      { mode: 'lora', lora: { r: 8, alpha: 16, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] }, lr: 5e-2, totalSteps: 10, seed: 2, maxGradNorm: 1 },
    ];
    const registry = new ModelRegistry(serving.store.forTenant(TENANT), TENANT, new DatabaseModelRecords(serving.database));
    const store = serving.store.forTenant(TENANT);
    for (const [index, config] of configs.entries()) {
      const dir = join(tmp, `job${index}`);
      await tune(dir, config, 7 + 13 * index);
      const jobId = `ftjob-multilora${index}`;
      const adapter = await commitLocalDirectory(store, `jobs/${jobId}/training/run-1/adapter`, join(dir, 'adapter'), { kind: 'adapter', metadata: {} });
      const merged = await commitLocalDirectory(store, `jobs/${jobId}/training/run-1/merged`, join(dir, 'merged'), { kind: MODEL_ARTIFACT_KIND, metadata: {} });
      const record = { kind: 'fine-tuned' as const, artifact: merged, baseArtifact: 'models/tiny-llama', jobId, created: 1 };
      await registry.register({ ...record, id: tuned[index], adapter });
      // The same job's merged model alone, as a full fine-tuning's record would be: served merged.
      await registry.register({ ...record, id: mergedOnly[index], adapter: null });
    }
  }, 120_000);

  afterAll(async () => {
    await serving?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const complete = (model: string) => client.completions.create({ model, prompt: PROMPT, max_tokens: NEW_TOKENS, temperature: 0, logprobs: 0 });

  it('serves two adapters of one base at once, each with its merged model\'s greedy tokens, in the memory of the adapters', async () => {
    const loaded = serving.loadedModels();
    const base = await complete(TINY_MODEL);
    const baseBytes = loaded.usedBytes;
    const rss0 = process.memoryUsage().rss;

    // Both adapters at once: one base, one session, batched together.
    const viaAdapters = await Promise.all(tuned.map(complete));
    const adapterBytes = loaded.usedBytes - baseBytes;
    const rss1 = process.memoryUsage().rss;
    const viaMerged = await Promise.all(mergedOnly.map(complete));
    const mergedBytes = loaded.usedBytes - baseBytes - adapterBytes;
    const rss2 = process.memoryUsage().rss;

    for (const [index, completion] of viaAdapters.entries()) {
      const merged = viaMerged[index];
      expect(completion.model).toBe(tuned[index]);
      expect(completion.usage?.completion_tokens).toBeGreaterThanOrEqual(32);
      expect(completion.choices[0].logprobs!.tokens).toEqual(merged.choices[0].logprobs!.tokens);
      expect(completion.choices[0].text).toBe(merged.choices[0].text);
      completion.choices[0].logprobs!.token_logprobs!.forEach((logprob, i) => expect(Math.abs(logprob! - merged.choices[0].logprobs!.token_logprobs![i]!)).toBeLessThanOrEqual(1e-4));
      // The adapter changes the answer.
      expect(completion.choices[0].text).not.toBe(base.choices[0].text);
    }
    // Memory: the two slots are counted (and held) by their A/B tensors; the merged models are two more bases.
    const report = { baseBytes, adapterBytes, mergedBytes, rssAdapters: rss1 - rss0, rssMerged: rss2 - rss1 };
    process.stdout.write(`multi-LoRA memory: ${JSON.stringify(report)}\n`);
    expect(adapterBytes).toBeGreaterThan(0);
    expect(adapterBytes).toBeLessThan(baseBytes / 4);
    expect(mergedBytes).toBeGreaterThanOrEqual(2 * baseBytes);
  });
});
