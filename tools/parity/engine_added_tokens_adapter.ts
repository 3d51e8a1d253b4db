// The engine's side of check_export.py --added-tokens: for each tiny model (tiny-llama: untied embeddings;
// tiny-qwen3: tied, and rows padded beyond its tokenizer), the ReAct agent tokens added (Model.addTokens), a few
// LoRA steps on ReAct samples that use them, the PEFT adapter saved (modules_to_save + tokenizer), and the
// engine's logits on a prompt with the new tokens, tokenized by the adapter's own tokenizer.json.
//
//   node -r @swc-node/register tools/parity/engine_added_tokens_adapter.ts OUT_DIR
//   ~/.cache/tuneforge/venv-parity/bin/python tools/parity/check_export.py --added-tokens OUT_DIR
//
// Writes OUT_DIR/<model>/adapter/ and OUT_DIR/<model>/engine.json ({ base, prompt, input_ids, added, logits [T][V] }).
import { createModelTokenizer, loadModelTokenizer, REACT_AGENT_TOKENS, withAgentTokens, type TokenizerConfig, type TokenizerJsonShape } from '@tuneforge/datasets';
import { LORA_TARGET_MODULES, Model } from '@tuneforge/engine';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ADDED_TOKEN_MODELS = ['tiny-llama', 'tiny-qwen3'] as const;

const SAMPLES = [
  '\nNew Input: Hi!\nThought: Do I need to use a tool? No.\nFinal Answer: Hi. How are you?',
  "\nNew Input: What's the weather in Oslo?\nThought: Do I need to use a tool? Yes.\nAction: get_weather\nAction Input: Oslo\nObservation:",
  '\nObservation: 3 degrees\nThought: Do I need to use a tool? No.\nFinal Answer: It is 3 degrees in Oslo.',
];
export const PROMPT = "\nNew Input: What's the weather in Bergen?\nThought: Do I need to use a tool? Yes.\nAction: get_weather\nAction Input: Bergen\nObservation: rain\nThought:";

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

export async function writeCase(name: string, out: string): Promise<void> {
  const base = resolve(__dirname, '../tiny-model/models', name);
  const model = await Model.load(base, { threads: 1 });
  try {
    const vocabSize = model.info().vocabSize;
    const added = await model.addTokens(REACT_AGENT_TOKENS);
    // Training data tokenized as the train-pod does it with agent tokens (agent-vocabulary.ts).
    const tokenizer = createModelTokenizer(
      withAgentTokens(readJson(join(base, 'tokenizer.json')) as TokenizerJsonShape, { vocabSize }).tokenizer,
      readJson(join(base, 'tokenizer_config.json')) as TokenizerConfig,
    );
    const trainer = await model.createTrainer({
      mode: 'lora',
      lora: { r: 4, alpha: 8, dropout: 0, targetModules: [...LORA_TARGET_MODULES] },
      lr: 1e-2,
      weightDecay: 0,
      maxGradNorm: 1,
      schedule: 'constant',
      warmupSteps: 0,
      totalSteps: 5,
      seed: 1,
    });
    for (let step = 0; step < 5; step++) {
      for (const text of SAMPLES) {
        const ids = tokenizer.encode(text);
        if (!ids.some((id) => id >= vocabSize)) throw new Error(`${name}: the sample has no added token`);
        await trainer.accumulate({ inputIds: [ids], labels: [ids] });
      }
      await trainer.step();
    }
    trainer.dispose();

    const dir = join(out, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const adapter = join(dir, 'adapter');
    await model.saveAdapter(adapter, base);
    // The prompt as the adapter's own tokenizer reads it: peft users tokenize with it.
    const inputIds = (await loadModelTokenizer(adapter)).encode(PROMPT);
    if (!inputIds.some((id) => id >= vocabSize)) throw new Error(`${name}: the adapter's tokenizer does not know the added tokens`);
    const V = model.info().vocabSize;
    const flat = await model.forward([inputIds]);
    const logits = inputIds.map((_, t) => Array.from(flat.subarray(t * V, (t + 1) * V)));
    writeFileSync(join(dir, 'engine.json'), JSON.stringify({ base, prompt: PROMPT, input_ids: inputIds, base_vocab_size: vocabSize, added, logits }));
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: engine_added_tokens_adapter.ts OUT_DIR');
  for (const name of ADDED_TOKEN_MODELS) await writeCase(name, resolve(out));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
