// The engine against PyTorch on SmolLM2-135M-Instruct over the whole vocabulary at every position (the committed
// golden keeps only some ids at a few positions; libs/model-import/src/smollm2-golden.spec.ts checks that in CI).
//
//   ~/.cache/tuneforge/venv-parity/bin/python tools/parity/make_smollm2_golden.py --full-out /tmp/smollm2-torch.safetensors
//   node -r @swc-node/register tools/parity/compare_engine_smollm2.ts /tmp/smollm2-torch.safetensors [model dir]
//
// Prints JSON: per prompt, the relative error of every position, max_v |engine_v - torch_v| / max_v |torch_v| over
// the vocabulary (teacher-forced forward over prompt + torch's greedy tokens), its worst value and position, and
// how many greedy steps of the engine's own `generate` agree with torch's.
import { Model, readSafetensors } from '@tuneforge/engine';
import { installedDefaultModel } from '@tuneforge/model-import';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface GoldenPrompt {
  prompt_ids: number[];
  generated_ids: number[];
}

async function main(): Promise<void> {
  const [fullPath, dirArg] = process.argv.slice(2);
  if (!fullPath) throw new Error('usage: compare_engine_smollm2.ts <torch full logits .safetensors> [model dir]');
  const dir = dirArg ?? installedDefaultModel()?.dir;
  if (!dir) throw new Error('the default model is not installed: run `npm run install-default-model`');
  const golden = JSON.parse(readFileSync(join(__dirname, 'golden/smollm2-135m-instruct/golden.json'), 'utf8')) as { vocab_size: number; prompts: GoldenPrompt[] };
  const torch = await readSafetensors(fullPath);
  const V = golden.vocab_size;
  const model = await Model.load(dir, { threads: 2 });
  const report = [];
  try {
    for (const [i, p] of golden.prompts.entries()) {
      const seq = [...p.prompt_ids, ...p.generated_ids];
      const want = torch[`prompt${i}.logits`];
      if (want.shape[0] !== seq.length || want.shape[1] !== V) throw new Error(`prompt${i}.logits has shape ${want.shape}, expected [${seq.length}, ${V}]`);
      const got = await model.forward([seq]);
      const rel: number[] = [];
      for (let t = 0; t < seq.length; t++) {
        let diff = 0;
        let scale = 0;
        for (let v = t * V; v < (t + 1) * V; v++) {
          diff = Math.max(diff, Math.abs(got[v] - want.data[v]));
          scale = Math.max(scale, Math.abs(want.data[v]));
        }
        rel.push(diff / scale);
      }
      const [gen] = await model.generate([p.prompt_ids], { maxNewTokens: p.generated_ids.length });
      let agree = 0;
      while (agree < gen.tokens.length && gen.tokens[agree] === p.generated_ids[agree]) agree++;
      const worst = Math.max(...rel);
      report.push({
        prompt: i,
        positions: seq.length,
        max_relative_error: worst,
        at_position: rel.indexOf(worst),
        median_relative_error: [...rel].sort((a, b) => a - b)[rel.length >> 1],
        relative_error_per_position: rel.map((r) => Number(r.toExponential(2))),
        greedy_steps_agreeing: agree,
        greedy_steps: p.generated_ids.length,
      });
    }
  } finally {
    model.dispose();
  }
  process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
