// Benchmark (not a test): native engine vs PyTorch CPU, training and generation tokens/s on the
// same model, batch, sequence length and thread count, printed as ratios (engine / torch).
//
//   node -r @swc-node/register tools/bench/engine-cpu.ts [--model DIR] [--batch 4] [--seq-len 256]
//        [--threads 2] [--train-steps 5] [--gen-batch 1] [--prompt-len 32] [--gen-tokens 64] [--skip-torch]
//
// Without --model it builds the small-llama preset (24.5M parameters) with tools/tiny-model.
// The PyTorch peer is tools/parity/torch_cpu_bench.py run by TORCH_PYTHON (default: the parity venv).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Model } from '@tuneforge/engine';

const REPO = resolve(__dirname, '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const num = (name: string, fallback: number) => Number(arg(name, String(fallback)));

const opts = {
  batch: num('batch', 4),
  seqLen: num('seq-len', 256),
  threads: num('threads', 2),
  trainSteps: num('train-steps', 5),
  warmupSteps: num('warmup-steps', 1),
  genBatch: num('gen-batch', 1),
  promptLen: num('prompt-len', 32),
  genTokens: num('gen-tokens', 64),
  genReps: num('gen-reps', 2),
};

function python(): string {
  const venv = join(REPO, 'tools/parity/.venv/bin/python');
  return process.env['TORCH_PYTHON'] ?? (existsSync(venv) ? venv : 'python3');
}

function modelDir(): string {
  const given = arg('model', '');
  if (given) return given;
  const out = join(mkdtempSync(join(tmpdir(), 'tf-bench-')), 'small-llama');
  execFileSync(python(), [join(REPO, 'tools/tiny-model/make_tiny_model.py'), '--preset', 'small-llama', '--out', out]);
  return out;
}

// Deterministic token stream (LCG), so every run trains on the same data.
function tokens(n: number, vocab: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % vocab;
  });
}

function rows(flat: number[], batch: number, seq: number): number[][] {
  return Array.from({ length: batch }, (_, b) => flat.slice(b * seq, (b + 1) * seq));
}

async function benchEngine(dir: string) {
  const model = await Model.load(dir, { threads: opts.threads });
  const vocab = model.info().vocabSize;
  const trainer = await model.createTrainer({
    mode: 'full',
    lr: 1e-4,
    betas: [0.9, 0.95],
    eps: 1e-8,
    weightDecay: 0.1,
    maxGradNorm: 1.0,
  });
  const times: number[] = [];
  for (let i = 0; i < opts.warmupSteps + opts.trainSteps; i++) {
    const ids = rows(tokens(opts.batch * opts.seqLen, vocab, i + 1), opts.batch, opts.seqLen);
    const t0 = performance.now();
    await trainer.accumulate({ inputIds: ids, labels: ids });
    await trainer.step();
    if (i >= opts.warmupSteps) times.push((performance.now() - t0) / 1000);
  }
  trainer.dispose();
  model.dispose();
  const total = times.reduce((a, b) => a + b, 0);

  const fresh = await Model.load(dir, { threads: opts.threads });
  const prompts = rows(tokens(opts.genBatch * opts.promptLen, vocab, 999), opts.genBatch, opts.promptLen);
  await fresh.generate(prompts, { maxNewTokens: 2 });
  let best = Infinity;
  for (let r = 0; r < opts.genReps; r++) {
    const t0 = performance.now();
    const out = await fresh.generate(prompts, { maxNewTokens: opts.genTokens });
    best = Math.min(best, (performance.now() - t0) / 1000);
    if (out.some((g) => g.tokens.length !== opts.genTokens)) throw new Error('generation ended early');
  }
  fresh.dispose();
  return {
    train_tokens_per_s: (opts.batch * opts.seqLen * opts.trainSteps) / total,
    train_step_s_mean: total / opts.trainSteps,
    gen_tokens_per_s: (opts.genBatch * opts.genTokens) / best,
  };
}

function benchTorch(dir: string): Record<string, number> {
  const out = execFileSync(
    python(),
    [
      join(REPO, 'tools/parity/torch_cpu_bench.py'),
      '--model', dir,
      '--batch', String(opts.batch),
      '--seq-len', String(opts.seqLen),
      '--threads', String(opts.threads),
      '--train-steps', String(opts.trainSteps),
      '--warmup-steps', String(opts.warmupSteps),
      '--gen-batch', String(opts.genBatch),
      '--prompt-len', String(opts.promptLen),
      '--gen-tokens', String(opts.genTokens),
      '--gen-reps', String(opts.genReps),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(out) as Record<string, number>;
}

async function main() {
  const dir = modelDir();
  const engine = await benchEngine(dir);
  const result: Record<string, unknown> = { model: dir, ...opts, engine };
  if (!process.argv.includes('--skip-torch')) {
    const torch = benchTorch(dir);
    result['torch'] = {
      train_tokens_per_s: torch['train_tokens_per_s'],
      gen_tokens_per_s: torch['gen_tokens_per_s'],
      version: torch['torch'],
      attn_implementation: torch['attn_implementation'],
    };
    result['ratio_engine_over_torch'] = {
      train: engine.train_tokens_per_s / torch['train_tokens_per_s'],
      generate: engine.gen_tokens_per_s / torch['gen_tokens_per_s'],
    };
  }
  console.log(JSON.stringify(result, null, 1));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
