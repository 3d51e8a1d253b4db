// Benchmark (not a test): decode-session throughput (continuous batching, one batched step for all active
// sequences) at 1, 4 and 16 concurrent sequences, against a sequential loop of model.generate (one request at a
// time, as a server without batching would run them) and against one fixed-batch model.generate call, on the same
// model, prompts and thread count. Prints generated tokens/s and the ratios session / sequential, session / batch.
//
//   node -r @swc-node/register tools/bench/engine-session.ts [--model DIR] [--threads 2] [--prompt-len 16]
//        [--gen-tokens 64] [--reps 5] [--concurrency 1,4,16]
//
// Without --model it uses the tiny-llama test model in tools/tiny-model/models.
import { resolve } from 'node:path';

import { Model } from '@tuneforge/engine';

const REPO = resolve(__dirname, '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const num = (name: string, fallback: number) => Number(arg(name, String(fallback)));

const opts = {
  model: arg('model', resolve(REPO, 'tools/tiny-model/models/tiny-llama')),
  threads: num('threads', 2),
  promptLen: num('prompt-len', 16),
  genTokens: num('gen-tokens', 64),
  reps: num('reps', 5),
  concurrency: arg('concurrency', '1,4,16').split(',').map(Number),
};

// Deterministic prompts (LCG), different per sequence.
function prompt(vocab: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: opts.promptLen }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % vocab;
  });
}

async function best(run: () => Promise<number>): Promise<number> {
  let t = Infinity;
  for (let r = 0; r < opts.reps; r++) {
    const t0 = performance.now();
    const tokens = await run();
    t = Math.min(t, (performance.now() - t0) / 1000);
    if (tokens !== expected) throw new Error(`generated ${tokens} tokens, expected ${expected}`);
  }
  return t;
}
let expected = 0;

async function main() {
  const model = await Model.load(opts.model, { threads: opts.threads });
  const vocab = model.info().vocabSize;
  const options = { maxNewTokens: opts.genTokens };
  await model.generate([prompt(vocab, 1)], { maxNewTokens: 2 }); // warm-up
  const rows: Record<string, number | string>[] = [];
  for (const c of opts.concurrency) {
    const prompts = Array.from({ length: c }, (_, i) => prompt(vocab, i + 1));
    expected = c * opts.genTokens;
    const sequential = await best(async () => {
      let n = 0;
      for (const p of prompts) n += (await model.generate([p], options))[0].tokens.length;
      return n;
    });
    const batch = await best(async () => (await model.generate(prompts, options)).reduce((n, g) => n + g.tokens.length, 0));
    const session = await best(async () => {
      const s = await model.createSession({ maxSequences: c, maxContext: opts.promptLen + opts.genTokens });
      for (const p of prompts) await s.add(p, options);
      let n = 0;
      for (let steps = await s.step(); steps.length > 0; steps = await s.step()) n += steps.length;
      s.dispose();
      return n;
    });
    rows.push({
      concurrency: c,
      sequential_tok_s: +(expected / sequential).toFixed(1),
      batch_generate_tok_s: +(expected / batch).toFixed(1),
      session_tok_s: +(expected / session).toFixed(1),
      session_over_sequential: +(sequential / session).toFixed(2),
      session_over_batch: +(batch / session).toFixed(2),
    });
  }
  model.dispose();
  console.table(rows);
  console.log(JSON.stringify({ ...opts, results: rows }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
