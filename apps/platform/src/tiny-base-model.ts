import { ModelRegistry, type ArtifactStore } from '@tuneforge/storage';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './spawn-service';

/**
 * The tiny base model the quick start fine-tunes, and that `start:embedded` registers until the platform can
 * register base models itself: a random Llama of 209,600 parameters with a real byte-level BPE tokenizer.
 */
export const TINY_MODEL_NAME = 'tiny-llama';

const TINY_MODEL_MAKER = join(WORKSPACE_ROOT, 'tools/tiny-model/make_tiny_model.py');
const PYTHON_VENV = join(WORKSPACE_ROOT, 'tools/ci/python-venv.sh');

/** Where a deployment whose local directory is `dir` (its artifact directory) keeps the tiny model's files. */
export function tinyModelDirUnder(dir: string): string {
  return join(dir, 'base-models', TINY_MODEL_NAME);
}

/**
 * Writes the tiny model into `dir` with the project's Python tool, in the venv tools/ci/python-venv.sh keeps
 * (numpy, safetensors, tokenizers; created on the first run, reused after). Deterministic: the same bytes
 * every run. Kept when it is already there.
 */
export function makeTinyModel(dir: string): void {
  if (existsSync(join(dir, 'model.safetensors')) && existsSync(join(dir, 'tokenizer.json'))) return;
  const python = execFileSync('bash', [PYTHON_VENV], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  execFileSync(python, [TINY_MODEL_MAKER, '--preset', TINY_MODEL_NAME, '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Registers the model files in `dir` as the tenant's base model `tiny-llama` (ModelRegistry.addBaseModel). */
export function registerTinyModel(store: ArtifactStore, tenant: string, dir: string): Promise<'registered' | 'already registered'> {
  // Base models only: no model records needed.
  return new ModelRegistry(store.forTenant(tenant), tenant, undefined).addBaseModel(TINY_MODEL_NAME, dir);
}
