// Benchmark (not a test): native engine vs PyTorch CPU on the same model, batch, sequence length and thread count.
// One figure per process, each side in its own (so peak RSS is that side's and that figure's alone):
//   full  full fine-tuning tokens/s (forward + backward + clip + AdamW step)
//   lora  LoRA tokens/s (rank 16, alpha 32, no dropout, all seven projections: the quick start's adapter)
//   gen   greedy generation tokens/s (prompt-len prompt, gen-tokens new tokens, best of gen-reps)
// and prints the medians over --runs side by side with engine/PyTorch ratios: of each run's mean throughput, and of
// its fastest step ("best step": what a moment without other work on the machine allows).
//
//   node -r @swc-node/register tools/bench/engine-cpu.ts [--model DIR] [--threads 2] [--batch 4] [--seq-len 256]
//        [--train-steps 3] [--warmup-steps 1] [--lora-rank 16] [--lora-alpha 32] [--gen-batch 1] [--prompt-len 32]
//        [--gen-tokens 64] [--gen-reps 2] [--runs 3] [--load 0,1,2] [--load-attached] [--figures full,lora,gen]
//        [--wait-quiet 0.3 [--wait-timeout 900]] [--skip-torch] [--json FILE]
//
// Without --model it builds the small-llama preset (24.5M parameters) with tools/tiny-model.
// --load N (or a list, N1,N2,...) runs each measurement beside N busy processes (`node -e 'for(;;){}'`), started
// before and killed after each pair, the same for both sides; the table then adds each side's slowdown
// (quiet tokens/s over loaded tokens/s). Runs interleave: for every run, load level and figure, the engine and
// PyTorch run back to back (alternating which goes first), so both see the same machine. Each measurement
// records the other CPU work on the machine while it ran (`others`: cores busy outside the measured process,
// from /proc/stat, our load processes included) and the 1-minute load average at its start. On a shared machine,
// --wait-quiet C holds each pair until the others keep fewer than C cores busy.
// The PyTorch peer is tools/parity/torch_cpu_bench.py run by TORCH_PYTHON (default: the parity venv); the engine is
// the addon @tuneforge/engine resolves (TUNEFORGE_ENGINE_ADDON overrides it; the path is printed).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { addonPath, Model } from '@tuneforge/engine';

const REPO = resolve(__dirname, '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const num = (name: string, fallback: number) => Number(arg(name, String(fallback)));

const FIGURES = ['full', 'lora', 'gen'] as const;
type Figure = (typeof FIGURES)[number];
type Side = 'engine' | 'torch';

const opts = {
  batch: num('batch', 4),
  seqLen: num('seq-len', 256),
  threads: num('threads', 2),
  trainSteps: num('train-steps', 3),
  warmupSteps: num('warmup-steps', 1),
  loraRank: num('lora-rank', 16),
  loraAlpha: num('lora-alpha', 32),
  genBatch: num('gen-batch', 1),
  promptLen: num('prompt-len', 32),
  genTokens: num('gen-tokens', 64),
  genReps: num('gen-reps', 2),
};

function python(): string {
  const venvs = [join(REPO, 'tools/parity/.venv/bin/python'), join(homedir(), '.cache/tuneforge/venv-parity/bin/python')];
  return process.env['TORCH_PYTHON'] ?? venvs.find((p) => existsSync(p)) ?? 'python3';
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

// ---- the engine side, in a child process: one figure, one JSON line on stdout ----

async function engineTrain(dir: string, mode: 'full' | 'lora'): Promise<Record<string, number>> {
  const model = await Model.load(dir, { threads: opts.threads });
  const vocab = model.info().vocabSize;
  const trainer = await model.createTrainer({
    mode,
    ...(mode === 'lora' && {
      lora: { r: opts.loraRank, alpha: opts.loraAlpha, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
    }),
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
  return {
    train_tokens_per_s: (opts.batch * opts.seqLen * opts.trainSteps) / total,
    train_step_s_mean: total / opts.trainSteps,
    train_step_s_min: Math.min(...times),
  };
}

async function engineGenerate(dir: string): Promise<Record<string, number>> {
  const model = await Model.load(dir, { threads: opts.threads });
  const vocab = model.info().vocabSize;
  const prompts = rows(tokens(opts.genBatch * opts.promptLen, vocab, 999), opts.genBatch, opts.promptLen);
  await model.generate(prompts, { maxNewTokens: 2 });
  let best = Infinity;
  for (let r = 0; r < opts.genReps; r++) {
    const t0 = performance.now();
    const out = await model.generate(prompts, { maxNewTokens: opts.genTokens });
    best = Math.min(best, (performance.now() - t0) / 1000);
    if (out.some((g) => g.tokens.length !== opts.genTokens)) throw new Error('generation ended early');
  }
  model.dispose();
  return { gen_tokens_per_s: (opts.genBatch * opts.genTokens) / best, gen_s: best };
}

async function engineChild(figure: Figure) {
  const dir = arg('model', '');
  const result = figure === 'gen' ? await engineGenerate(dir) : await engineTrain(dir, figure);
  const ru = process.resourceUsage();
  console.log(JSON.stringify({ ...result, max_rss_mb: ru.maxRSS / 1024, cpu_s: (ru.userCPUTime + ru.systemCPUTime) / 1e6 }));
}

// ---- the parent: children, load, interleaving, medians ----

interface Measurement {
  tokens_per_s: number;
  best_tokens_per_s: number; // the fastest training step (generation: the fastest repetition)
  max_rss_mb: number;
  wall_s: number;
  others: number; // cores busy outside the measured process while it ran
  loadavg1: number;
}

const HZ = 100; // USER_HZ: /proc/stat counts in 1/100 s on Linux

function busyCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / HZ;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });
}

function childArgs(): string[] {
  const a: string[] = [];
  for (const [k, v] of Object.entries(opts)) a.push(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v));
  return a;
}

async function measure(side: Side, figure: Figure, dir: string): Promise<Measurement> {
  const loadavg1 = loadavg()[0];
  const busy0 = busyCpuSeconds();
  const t0 = performance.now();
  let out: string;
  if (side === 'engine') {
    out = await run(process.execPath, [...process.execArgv, __filename, '--child', figure, '--model', dir, ...childArgs()]);
  } else {
    const a = [join(REPO, 'tools/parity/torch_cpu_bench.py'), '--model', dir, ...childArgs()];
    if (figure === 'gen') a.push('--skip-train');
    else a.push('--skip-gen', '--mode', figure);
    out = await run(python(), a);
  }
  const wall = (performance.now() - t0) / 1000;
  const busy = busyCpuSeconds() - busy0;
  const r = JSON.parse(out.trim().split('\n').filter((l) => l.trim()).join('\n').replace(/^[^{]*/, '')) as Record<string, number>;
  return {
    tokens_per_s: figure === 'gen' ? r['gen_tokens_per_s'] : r['train_tokens_per_s'],
    best_tokens_per_s: figure === 'gen' ? r['gen_tokens_per_s'] : (opts.batch * opts.seqLen) / r['train_step_s_min'],
    max_rss_mb: r['max_rss_mb'],
    wall_s: wall,
    others: Math.max(0, (busy - r['cpu_s']) / wall),
    loadavg1,
  };
}

// Each busy process gets its own session (detached: setsid), as a job started from another shell would: with
// autogroup scheduling (most desktop kernels) it then competes with the benchmark as a separate group instead of
// as one more thread of the benchmark's own group. --load-attached keeps them in the benchmark's session.
// CPU seconds a process has used (utime + stime, /proc/PID/stat fields 14 and 15).
function procCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / HZ;
  } catch {
    return 0;
  }
}

// Cores busy over `ms`, not counting the given processes (our busy load).
async function othersNow(exclude: ChildProcess[], ms = 2000): Promise<number> {
  const own = () => exclude.reduce((sum, p) => sum + procCpuSeconds(p.pid), 0);
  const b0 = busyCpuSeconds(), o0 = own(), t0 = performance.now();
  await sleep(ms);
  return Math.max(0, (busyCpuSeconds() - b0 - (own() - o0)) / ((performance.now() - t0) / 1000));
}

// --wait-quiet C: before each engine/PyTorch pair, wait (at most --wait-timeout seconds, default 900) until the
// rest of the machine keeps fewer than C cores busy (our load processes not counted).
async function waitQuiet(exclude: ChildProcess[]): Promise<void> {
  const limit = Number(arg('wait-quiet', 'NaN'));
  if (!Number.isFinite(limit)) return;
  const deadline = performance.now() + num('wait-timeout', 900) * 1000;
  let others = await othersNow(exclude);
  while (others > limit && performance.now() < deadline) others = await othersNow(exclude, 5000);
  if (others > limit) console.error(`  (still ${others.toFixed(2)} other cores busy after --wait-timeout; measuring anyway)`);
}

function startLoad(n: number): ChildProcess[] {
  const detached = !process.argv.includes('--load-attached');
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore', detached }));
}

async function stopLoad(procs: ChildProcess[]) {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((done) => {
          if (p.exitCode !== null || p.signalCode !== null) return done();
          p.once('exit', () => done());
          p.kill('SIGKILL');
        }),
    ),
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const child = arg('child', '');
  if (child) return engineChild(child as Figure);

  const dir = modelDir();
  const runs = num('runs', 3);
  const loads = arg('load', '0').split(',').map(Number);
  const figures = arg('figures', FIGURES.join(',')).split(',') as Figure[];
  const sides: Side[] = process.argv.includes('--skip-torch') ? ['engine'] : ['engine', 'torch'];
  const all: { run: number; load: number; figure: Figure; side: Side; m: Measurement }[] = [];
  console.error(`model ${dir}, ${opts.threads} threads, ${runs} runs, load ${loads.join('/')}, addon ${addonPath()}, python ${python()}`);
  for (let run = 0; run < runs; run++) {
    for (const load of loads) {
      const procs = startLoad(load);
      if (load) await sleep(1000);
      try {
        for (const [fi, figure] of figures.entries()) {
          const order = (run + fi) % 2 ? [...sides].reverse() : sides;
          await waitQuiet(procs);
          for (const side of order) {
            const m = await measure(side, figure, dir);
            all.push({ run, load, figure, side, m });
            console.error(
              `run ${run + 1} load ${load} ${figure.padEnd(4)} ${side.padEnd(6)} ${m.tokens_per_s.toFixed(1).padStart(8)} tok/s ` +
                `rss ${m.max_rss_mb.toFixed(0).padStart(5)} MB  wall ${m.wall_s.toFixed(1)} s  others ${m.others.toFixed(2)} cores  loadavg ${m.loadavg1.toFixed(2)}`,
            );
          }
        }
      } finally {
        await stopLoad(procs);
      }
    }
  }

  const med = (load: number, figure: Figure, side: Side, key: keyof Measurement) =>
    median(all.filter((x) => x.load === load && x.figure === figure && x.side === side).map((x) => x.m[key]));
  const summary: Record<string, unknown>[] = [];
  const lines = [
    `engine vs PyTorch ${opts.threads} threads, medians of ${runs} runs; model ${dir}`,
    '| load | figure | engine tok/s | torch tok/s | ratio | best step: engine | torch | ratio | engine RSS MB | torch RSS MB | engine slowdown | torch slowdown | others (cores) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const load of loads) {
    for (const figure of figures) {
      const row: Record<string, number | string> = { load, figure };
      for (const side of sides) {
        row[`${side}_tokens_per_s`] = med(load, figure, side, 'tokens_per_s');
        row[`${side}_max_rss_mb`] = med(load, figure, side, 'max_rss_mb');
        row[`${side}_slowdown`] = med(loads[0], figure, side, 'tokens_per_s') / (row[`${side}_tokens_per_s`] as number);
      }
      row['others'] = median(all.filter((x) => x.load === load && x.figure === figure).map((x) => x.m.others));
      row['loadavg1'] = median(all.filter((x) => x.load === load && x.figure === figure).map((x) => x.m.loadavg1));
      for (const side of sides) row[`${side}_best_tokens_per_s`] = med(load, figure, side, 'best_tokens_per_s');
      if (sides.length === 2) {
        row['ratio'] = (row['engine_tokens_per_s'] as number) / (row['torch_tokens_per_s'] as number);
        row['best_ratio'] = (row['engine_best_tokens_per_s'] as number) / (row['torch_best_tokens_per_s'] as number);
      }
      summary.push(row);
      const f = (k: string, d = 1) => (typeof row[k] === 'number' ? (row[k] as number).toFixed(d) : '—');
      lines.push(
        `| ${load} | ${figure} | ${f('engine_tokens_per_s')} | ${f('torch_tokens_per_s')} | ${f('ratio', 2)}× | ` +
          `${f('engine_best_tokens_per_s')} | ${f('torch_best_tokens_per_s')} | ${f('best_ratio', 2)}× | ` +
          `${f('engine_max_rss_mb', 0)} | ${f('torch_max_rss_mb', 0)} | ${f('engine_slowdown', 2)}× | ${f('torch_slowdown', 2)}× | ${f('others', 2)} |`,
      );
    }
  }
  console.log(lines.join('\n'));
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify({ model: dir, ...opts, runs, loads, summary, measurements: all }, null, 1));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
