import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');
const TOOLS = join(ROOT, 'tools/tiny-model');

/** The tools venv's python (tools/ci/python-venv.sh: numpy, safetensors, tokenizers, gguf). */
export function toolsPython(): string {
  return execFileSync('bash', [join(ROOT, 'tools/ci/python-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * A scratch directory with the `tiny-smollm` Hugging Face model (make_tiny_model.py) and `gguf(...)` to write it
 * as GGUF files the way llama.cpp's converter does (make_tiny_gguf.py, on llama.cpp's own `gguf` package).
 */
export class TinyGgufFixtures {
  readonly dir = mkdtempSync(join(tmpdir(), 'tf-gguf-'));
  readonly model = join(this.dir, 'tiny-smollm');
  private readonly python = toolsPython();

  constructor() {
    this.run('make_tiny_model.py', ['--preset', 'tiny-smollm', '--out', this.model]);
  }

  /** The tiny model as a GGUF of `type`; `extra` are make_tiny_gguf.py options (broken files for the bad-input tests). */
  gguf(name: string, type = 'F32', extra: string[] = []): string {
    const out = join(this.dir, `${name}.gguf`);
    this.run('make_tiny_gguf.py', ['--model', this.model, '--type', type, '--out', out, ...extra]);
    return out;
  }

  dequantizationSample(): string {
    const out = join(this.dir, 'dequantization-sample.gguf');
    this.run('make_tiny_gguf.py', ['--dequantization-sample', '--out', out]);
    return out;
  }

  private run(script: string, args: string[]): void {
    execFileSync(this.python, [join(TOOLS, script), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
