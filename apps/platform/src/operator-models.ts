import { DEFAULT_BASE_MODEL, installedDefaultModel } from '@tuneforge/model-import';
import { ModelRegistry, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { makeTinyModel, TINY_MODEL_NAME, tinyModelDirUnder } from './tiny-base-model';

/**
 * The base models every tenant can use, registered operator-wide (a tenant's first job on one copies it into
 * the tenant's scope): SmolLM2-135M-Instruct from the cache `npm run setup` installs it into, and the tiny model
 * made as the quick start makes it (under `localDir`). A model already registered is kept.
 */
export async function registerBaseModelsForEveryTenant(store: ArtifactStore, localDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const tinyDir = tinyModelDirUnder(localDir);
  makeTinyModel(tinyDir);
  const models = new Map([[TINY_MODEL_NAME, tinyDir]]);
  const installed = installedDefaultModel(env);
  if (installed) models.set(DEFAULT_BASE_MODEL.name, installed.dir);
  else logger.warn({ model: DEFAULT_BASE_MODEL.name }, `${DEFAULT_BASE_MODEL.name} is not installed on this machine: run \`npm run setup\` (or \`npm run install-default-model\`)`);
  const registry = ModelRegistry.forOperator(store);
  for (const [name, dir] of models) {
    const outcome = await registry.addBaseModel(name, dir);
    logger.info({ model: name, files: dir, outcome }, `base model '${name}' ${outcome} for every tenant`);
  }
}
