// One training run through the pod with the real engine and the tiny Llama: a ReAct prompt-completion dataset
// trained with agent tokens, without packing, exported as bf16; the merged export is what the evaluator loads.
// With LoRA and agent tokens, the adapter export stands alone on the base.
import { loadDefaultConfig, trainingRunProgressedV1, type PodRunSpec } from '@tuneforge/contracts';
import { collectDataset, loadModelTokenizer, REACT_AGENT_TOKENS, tokenizeRecords } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import { commitLocalDirectory, downloadArtifact, FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addAgentTokens } from './agent-vocabulary';
import { runTraining } from './training-run';
import { recordingChannel } from '../testing/recording-channel';

const LLAMA = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
const REACT_LINES = [
  { prompt: '\nNew Input: Hi!', completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: Hi. How are you?' },
  { prompt: "\nNew Input: What's the weather in Oslo?", completion: '\nThought: Do I need to use a tool? Yes.\nAction: get_weather\nAction Input: Oslo\nObservation:' },
  {
    prompt: "\nNew Input: What's the weather in Oslo?\nThought: Do I need to use a tool? Yes.\nAction: get_weather\nAction Input: Oslo\nObservation: 3 degrees",
    completion: '\nThought: Do I need to use a tool? No.\nFinal Answer: It is 3 degrees in Oslo.',
  },
];
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'train-pod-run-'));
  writeFileSync(join(tmp, 'train.jsonl'), REACT_LINES.map((l) => JSON.stringify(l)).join('\n') + '\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('agent tokens', () => {
  it('tokenizes each ReAct marker of a sample as one token id beyond the base vocabulary', async () => {
    const model = await Model.load(LLAMA, { threads: 1 });
    const base = model.info().vocabSize;
    const { tokenizer, added } = await addAgentTokens(model, LLAMA);
    expect(added.map((a) => a.content)).toEqual([...REACT_AGENT_TOKENS]);
    expect(model.info().vocabSize).toBe(base + REACT_AGENT_TOKENS.length);
    const { records } = await collectDataset(join(tmp, 'train.jsonl'));
    const { samples, errors } = tokenizeRecords(tokenizer, records, { maxLength: 256 });
    expect(errors).toEqual([]);
    const id = (content: string) => added.find((a) => a.content === content)!.id;
    const tool = samples[1];
    for (const marker of ['\nNew Input', '\nThought', '\nAction', '\nAction Input', '\nObservation']) {
      expect(id(marker)).toBeGreaterThanOrEqual(base);
      expect(tool.input_ids.filter((t) => t === id(marker))).toHaveLength(1);
    }
    // The markers the model must learn to emit are trained (in the completion's labels), the prompt's are not.
    expect(tool.labels).toContain(id('\nObservation'));
    expect(tool.labels).not.toContain(id('\nNew Input'));
    // Without agent tokens the same sample spells the markers with ordinary sub-word tokens.
    const plain = tokenizeRecords(await loadModelTokenizer(LLAMA), records, { maxLength: 256 }).samples[1];
    expect(plain.input_ids.every((t) => t < base)).toBe(true);
    expect(plain.input_ids.length).toBeGreaterThan(tool.input_ids.length);
    model.dispose();
  });
});

describe('runTraining', () => {
  it('trains one sample per row with agent tokens and delivers a bf16 merged model whose tokenizer carries them (and a LoRA run an adapter that stands alone)', async () => {
    const store = new FilesystemArtifactStore(join(tmp, 'store'));
    const baseModel = await commitLocalDirectory(store, 'models/tiny-llama', LLAMA, { kind: 'model' });
    const dataDir = join(tmp, 'dataset');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'train.jsonl'), readFileSync(join(tmp, 'train.jsonl')));
    // A job without a validation split: datagen writes the file empty, and the run trains without one.
    writeFileSync(join(dataDir, 'validation.jsonl'), '');
    const dataset = await commitLocalDirectory(store, 'datasets/react', dataDir, { kind: 'dataset' });
    const defaults = loadDefaultConfig();
    const training = { ...defaults.training, epochs: 1, batchSize: 1, microBatchSize: 1, learningRate: 0.01, warmupRatio: 0, lora: { ...defaults.training.lora, rank: 4, alpha: 8, dropout: 0 } };
    const run = async (runId: string, extra: Partial<PodRunSpec['request']>) => {
      const channel = recordingChannel();
      const spec: PodRunSpec = {
        tenant: 'tenant-a',
        requestMessageId: 'message-1',
        request: { runId, jobId: 'job-1', baseModel, datasets: [dataset], training, maxSequenceLength: 256, ...extra },
      };
      const result = await runTraining(spec, { store, channel, logger: createLogger('train-pod-test', { level: 'warn' }), threads: 1 });
      return { result, progress: channel.sent.filter((m) => m.topic === trainingRunProgressedV1.name).map((m) => m.payload as { totalSteps: number }) };
    };

    // Packed, the three short samples share one row: one step with a batch of one row.
    const packed = await run('run-packed', { packing: true });
    expect(packed.result).toMatchObject({ status: 'succeeded', steps: 1 });

    // LoRA with agent tokens: the adapter stands alone (the grown embedding and LM head as peft modules_to_save,
    // the tokenizer with the markers), and the base plus the adapter is the merged model.
    const loraReact = await run('run-lora-react', { packing: true, agentTokens: true });
    expect(loraReact.result).toMatchObject({ status: 'succeeded', steps: 1 });
    const loraArtifacts = (loraReact.result as { artifacts: { adapter: string; merged: string } }).artifacts;
    const [adapterDir, loraMergedDir] = [join(tmp, 'lora-adapter'), join(tmp, 'lora-merged')];
    await downloadArtifact(store, loraArtifacts.adapter, adapterDir);
    await downloadArtifact(store, loraArtifacts.merged, loraMergedDir);
    expect(readJson(join(adapterDir, 'adapter_config.json'))).toMatchObject({ modules_to_save: ['embed_tokens', 'lm_head'], base_model_name_or_path: baseModel });
    expect(readJson(join(adapterDir, 'tokenizer.json'))).toEqual(readJson(join(loraMergedDir, 'tokenizer.json')));
    const probe = [(await loadModelTokenizer(adapterDir)).encode(REACT_LINES[1].completion)];
    const [attached, loraMerged] = [await Model.load(LLAMA, { threads: 1 }), await Model.load(loraMergedDir, { threads: 1 })];
    await attached.attachAdapter(adapterDir);
    expect(attached.info().vocabSize).toBe(loraMerged.info().vocabSize);
    const [viaAdapter, viaMerged] = [await attached.forward(probe), await loraMerged.forward(probe)];
    expect(Math.max(...viaAdapter.map((v, i) => Math.abs(v - viaMerged[i])))).toBeLessThan(1e-4);
    attached.dispose();
    loraMerged.dispose();
    // Unpacked, each sample is its own row: three steps an epoch. Full fine-tuning trains the new embedding rows
    // (LoRA leaves them at their initial mean), long enough that the model learns to open with the marker.
    const react = { ...training, method: 'full' as const, learningRate: 0.01, schedule: 'constant' as const, epochs: 20 };
    const { result, progress } = await run('run-react', { packing: false, agentTokens: true, dtype: 'bf16', training: react });
    expect(result).toMatchObject({ status: 'succeeded', steps: 60 });
    expect(progress.map((p) => p.totalSteps)).toEqual(new Array(60).fill(60));

    const merged = join(tmp, 'merged');
    await downloadArtifact(store, (result as { artifacts: { merged: string } }).artifacts.merged, merged);
    const baseVocab = readJson(join(LLAMA, 'config.json')).vocab_size as number;
    expect(readJson(join(merged, 'config.json'))).toMatchObject({ torch_dtype: 'bfloat16', vocab_size: baseVocab + REACT_AGENT_TOKENS.length });
    const addedTokens = readJson(join(merged, 'tokenizer.json')).added_tokens as Array<{ id: number; content: string }>;
    for (const [i, marker] of REACT_AGENT_TOKENS.entries()) expect(addedTokens).toContainEqual(expect.objectContaining({ id: baseVocab + i, content: marker }));

    // What the evaluator does: the merged model's own tokenizer, generation decoded back to the agent's text.
    const tokenizer = await loadModelTokenizer(merged);
    const observation = baseVocab + REACT_AGENT_TOKENS.indexOf('\nObservation');
    expect(tokenizer.encode('\nObservation:')[0]).toBe(observation);
    const completion = REACT_LINES[1].completion;
    expect(tokenizer.decode(tokenizer.encode(completion))).toBe(completion);
    const model = await Model.load(merged, { threads: 1 });
    expect(model.info().vocabSize).toBe(baseVocab + REACT_AGENT_TOKENS.length);
    expect(tokenizer.decode([observation])).toBe('\nObservation');
    // A generation that ended at once decodes to nothing (the evaluator scores it as an empty answer).
    expect(tokenizer.decode([])).toBe('');
    // The trained model opens its answer with the marker as one token, which decodes to the agent's text.
    const [generation] = await model.generate([tokenizer.encode(REACT_LINES[1].prompt, true)], { maxNewTokens: 4, temperature: 0 });
    expect(generation.tokens[0]).toBe(baseVocab + REACT_AGENT_TOKENS.indexOf('\nThought'));
    expect(tokenizer.decode(generation.tokens)).toMatch(/^\nThought:/);
    model.dispose();
  }, 240_000);
});
