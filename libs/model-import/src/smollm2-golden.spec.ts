// The installed default model (SmolLM2-135M-Instruct imported from its GGUF) against goldens made outside CI:
// PyTorch/transformers logits and greedy tokens (tools/parity/make_smollm2_golden.py) and llama.cpp's token ids
// for a multilingual sample (tools/parity/llamacpp_tokenizer_parity.py). Neither torch nor llama.cpp runs here.
import { loadModelTokenizer, renderChat, type ModelTokenizer } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installedDefaultModel } from './default-model';

const GOLDEN = join(resolve(__dirname, '../../..'), 'tools/parity/golden/smollm2-135m-instruct');

interface GoldenPosition {
  position: number;
  ids: number[];
  logits: number[];
  max_abs: number;
  argmax: number;
}

interface GoldenPrompt {
  messages: { role: 'system' | 'user'; content: string }[];
  text: string;
  prompt_ids: number[];
  generated_ids: number[];
  logprobs: number[];
  positions: GoldenPosition[];
}

interface TorchGolden {
  vocab_size: number;
  tolerance: { logits_relative_per_position: number; logprobs_abs: number };
  prompts: GoldenPrompt[];
}

interface LlamaCppGolden {
  cases: { text: string; ids: number[] }[];
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(GOLDEN, name), 'utf8')) as T;

/** The installed model's directory; a missing install fails the test (CI installs it in `npm run setup`). */
function modelDir(): string {
  const installed = installedDefaultModel();
  if (!installed)
    throw new Error('the default model SmolLM2-135M-Instruct is not installed: run `npm run install-default-model` (part of `npm run setup`)');
  return installed.dir;
}

describe('SmolLM2-135M-Instruct as imported, against PyTorch and llama.cpp goldens', () => {
  const torch = readJson<TorchGolden>('golden.json');
  let tokenizer: ModelTokenizer;

  beforeAll(async () => {
    tokenizer = await loadModelTokenizer(modelDir());
  });

  it("tokenizes a multilingual sample (scripts, emoji, code, digits, ChatML markers) to llama.cpp's ids", () => {
    const { cases } = readJson<LlamaCppGolden>('tokenizer_llamacpp.json');
    expect(cases.length).toBeGreaterThanOrEqual(40);
    // One expectation per text, so a failure names the text.
    for (const { text, ids } of cases) expect({ text, ids: tokenizer.encode(text) }).toEqual({ text, ids });
  });

  it("renders the chat template and tokenizes the prompts as transformers does", () => {
    for (const p of torch.prompts) {
      const text = renderChat(tokenizer, p.messages, undefined, { addGenerationPrompt: true });
      expect(text).toBe(p.text);
      expect(tokenizer.encode(text)).toEqual(p.prompt_ids);
    }
  });

  it('gives PyTorch\'s logits (max |a-b| / max |b| per position <= 1e-4) and its greedy tokens for 48 steps', async () => {
    const model = await Model.load(modelDir(), { threads: 2 });
    const V = torch.vocab_size;
    expect(model.info().vocabSize).toBe(V);
    const tol = torch.tolerance;
    try {
      for (const [i, p] of torch.prompts.entries()) {
        // Teacher-forced over prompt + PyTorch's greedy tokens: the positions PyTorch's logits were taken at.
        const logits = await model.forward([[...p.prompt_ids, ...p.generated_ids]]);
        for (const g of p.positions) {
          let diff = 0;
          g.ids.forEach((id, k) => (diff = Math.max(diff, Math.abs(logits[g.position * V + id] - g.logits[k]))));
          let argmax = 0;
          for (let v = 1; v < V; v++) if (logits[g.position * V + v] > logits[g.position * V + argmax]) argmax = v;
          expect({ prompt: i, position: g.position, relativeError: diff / g.max_abs <= tol.logits_relative_per_position ? 'ok' : diff / g.max_abs, argmax })
            .toEqual({ prompt: i, position: g.position, relativeError: 'ok', argmax: g.argmax });
        }
        const [generation] = await model.generate([p.prompt_ids], { maxNewTokens: p.generated_ids.length });
        expect({ prompt: i, tokens: generation.tokens }).toEqual({ prompt: i, tokens: p.generated_ids });
        const worst = Math.max(...generation.logprobs.map((lp, k) => Math.abs(lp - p.logprobs[k])));
        expect({ prompt: i, logprobsWithinTolerance: worst <= tol.logprobs_abs ? true : worst }).toEqual({ prompt: i, logprobsWithinTolerance: true });
      }
    } finally {
      model.dispose();
    }
  }, 180_000);
});
