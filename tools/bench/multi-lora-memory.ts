// Measurement (not a test): resident memory of multi-LoRA serving. Builds the small-llama preset (24.5M parameters)
// with tools/tiny-model, trains two LoRA adapters on it (rank 8, every projection, a few steps) and saves each
// adapter and its merged model (float32); then, each in a fresh Node process so allocations do not mix, measures
// the process RSS growth of (a) the base + both adapters as slots (one session decoding the base and both slots,
// each checked against its merged model's greedy tokens), and (b) the base + both merged models.
//
//   node -r @swc-node/register tools/bench/multi-lora-memory.ts [--model DIR] [--threads 2] [--tokens 32]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Model } from '@tuneforge/engine';

const REPO = resolve(__dirname, '../..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const threads = Number(arg('threads', '2'));
const tokens = Number(arg('tokens', '32'));
const PROMPT = [1, 451, 201, 752, 36, 71];
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function python(): string {
  const venvs = [join(REPO, 'tools/parity/.venv/bin/python'), join(homedir(), '.cache/tuneforge/venv-parity/bin/python')];
  return process.env['TORCH_PYTHON'] ?? venvs.find((p) => existsSync(p)) ?? 'python3';
}

/** What a child process reports (the `result` it prints as JSON). */
interface ChildResult {
  weightBytes: number;
  slotBytes: number[];
  rss0: number;
  rssBase: number;
  rssAfter: number;
  tokens: number[][];
  plain: number[];
}

async function greedy(model: Model, loraSlot = 0): Promise<number[]> {
  const session = await model.createSession({ maxSequences: 1, maxContext: 128 });
  await session.add(PROMPT, { maxNewTokens: tokens, temperature: 0, loraSlot });
  const out: number[] = [];
  for (let steps = await session.step(); steps.length > 0; steps = await session.step()) out.push(...steps.map((s) => s.token));
  session.dispose();
  return out;
}

/** Child: loads what `mode` says and prints JSON {rssBase, rssAfter, tokens...}. */
async function child(mode: string, base: string, work: string): Promise<void> {
  const rss = () => process.memoryUsage().rss;
  const rss0 = rss();
  const model = await Model.load(base, { threads });
  const plain = await greedy(model);
  const rssBase = rss();
  const result: Record<string, unknown> = { mode, rss0, rssBase, weightBytes: model.info().numParameters * 4 };
  if (mode === 'slots') {
    const slots = [await model.addLoraSlot(join(work, 'a', 'adapter')), await model.addLoraSlot(join(work, 'b', 'adapter'))];
    result['slotBytes'] = slots.map((s) => s.bytes);
    result['tokens'] = [await greedy(model, 1), await greedy(model, 2)];
    result['rssAfter'] = rss();
  } else {
    const merged = [await Model.load(join(work, 'a', 'merged'), { threads }), await Model.load(join(work, 'b', 'merged'), { threads })];
    result['tokens'] = [await greedy(merged[0]), await greedy(merged[1])];
    result['rssAfter'] = rss();
  }
  result['plain'] = plain;
  process.stdout.write(JSON.stringify(result));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3], process.argv[4], process.argv[5]);
  const work = mkdtempSync(join(tmpdir(), 'tf-multi-lora-mem-'));
  try {
    let base = arg('model', '');
    if (!base) {
      base = join(work, 'small-llama');
      execFileSync(python(), [join(REPO, 'tools/tiny-model/make_tiny_model.py'), '--preset', 'small-llama', '--out', base]);
    }
    for (const [name, seed] of [['a', 1], ['b', 2]] as const) {
      const model = await Model.load(base, { threads });
      const vocab = model.info().vocabSize;
      const trainer = await model.createTrainer({
        mode: 'lora',
        lora: { r: 8, alpha: 16, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
        lr: 2e-2,
        seed,
      });
      const row = Array.from({ length: 32 }, (_, i) => (seed * 97 + i * 41) % vocab);
      for (let s = 0; s < 4; s++) {
        await trainer.accumulate({ inputIds: [row], labels: [[-100, ...row.slice(1)]] });
        await trainer.step();
      }
      trainer.dispose();
      await model.saveAdapter(join(work, name, 'adapter'), 'small-llama');
      await model.saveMerged(join(work, name, 'merged'), { dtype: 'float32' });
      model.dispose();
    }
    const run = (mode: string) =>
      JSON.parse(execFileSync(process.execPath, [...process.execArgv, __filename, '--child', mode, base, work], { encoding: 'utf8', env: process.env })) as ChildResult;
    const slots = run('slots');
    const merged = run('merged');
    const same = [0, 1].map((k) => JSON.stringify(slots['tokens'][k]) === JSON.stringify(merged['tokens'][k]));
    const differs = [0, 1].map((k) => JSON.stringify(slots['tokens'][k]) !== JSON.stringify(slots['plain']));
    console.log(
      JSON.stringify(
        {
          baseWeightsMiB: mib(slots['weightBytes']),
          slotBytesMiB: slots['slotBytes'].map(mib),
          rssBaseMiB: mib(slots['rssBase'] - slots['rss0']),
          rssGrowthTwoSlotsMiB: mib(slots['rssAfter'] - slots['rssBase']),
          rssGrowthTwoMergedMiB: mib(merged['rssAfter'] - merged['rssBase']),
          greedyTokens: tokens,
          slotTokensEqualMerged: same,
          adaptersChangeTokens: differs,
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
