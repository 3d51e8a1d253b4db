/**
 * The GGUF export checked by llama.cpp: a Hugging Face model directory (default: the installed SmolLM2-135M-Instruct)
 * is exported at F32, F16 and Q8_0 (libs/model-import), llama.cpp (llama-cpp-python, tools/ci/llama-venv.sh)
 * loads each file and decodes greedily, and its tokens are compared with the engine's on the original directory.
 *
 *   node -r @swc-node/register tools/parity/check_gguf_export.ts [--model DIR] [--steps 48]
 *
 * Prints, per type and prompt, how many leading greedy tokens agree; exits 1 when F32 or F16 disagree before
 * `--steps` (Q8_0 is reported, not required).
 */
import { Model } from '@tuneforge/engine';
import { loadModelTokenizer, renderChat } from '@tuneforge/datasets';
import { exportGguf, GGUF_EXPORT_TYPES, installedDefaultModel } from '@tuneforge/model-import';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROMPTS = [
  'What is the capital of France?',
  'Write a Python function that reverses a string.',
  'Explique la photosynthèse en deux phrases.',
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const dir = option('model', installedDefaultModel()?.dir ?? '');
  if (!dir) throw new Error('no --model and the default model is not installed (npm run install-default-model)');
  const steps = Number(option('steps', '48'));
  const python = execFileSync('bash', [join(__dirname, '../ci/llama-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const tokenizer = await loadModelTokenizer(dir);
  const prompts = PROMPTS.map((text) => tokenizer.encode(renderChat(tokenizer, [{ role: 'user', content: text }] as never, undefined, { addGenerationPrompt: true })));
  const model = await Model.load(dir, { threads: 2 });
  const engine = (await model.generate(prompts, { maxNewTokens: steps })).map((g) => g.tokens);
  model.dispose();

  const work = mkdtempSync(join(tmpdir(), 'tf-gguf-check-'));
  let failed = false;
  try {
    writeFileSync(join(work, 'prompts.json'), JSON.stringify(prompts));
    for (const type of GGUF_EXPORT_TYPES) {
      const file = join(work, `model-${type}.gguf`);
      const started = Date.now();
      const result = await exportGguf(dir, file, type, 'check');
      const exportSeconds = (Date.now() - started) / 1000;
      const llama = JSON.parse(execFileSync(python, [join(__dirname, 'llamacpp_greedy.py'), file, join(work, 'prompts.json'), String(steps)], { encoding: 'utf8' })) as number[][];
      const agree = llama.map((tokens, i) => {
        let n = 0;
        while (n < steps && tokens[n] === engine[i][n]) n++;
        return n;
      });
      process.stdout.write(`${type.padEnd(5)} ${(result.bytes / 1e6).toFixed(0).padStart(4)} MB, exported in ${exportSeconds.toFixed(1)} s: greedy tokens equal to the engine's for ${agree.map((n) => `${n}/${steps}`).join(', ')}\n`);
      if (type !== 'q8_0' && agree.some((n) => n < steps)) failed = true;
      rmSync(file);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
