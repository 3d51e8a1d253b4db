import { loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import { ServedModel, type ServingLimits } from '@tuneforge/serving';
import { ArtifactNotCommittedError, ArtifactNotFoundError, downloadArtifact, type ArtifactStore } from '@tuneforge/storage';
import { join } from 'node:path';
import { EvaluationInputError } from '../evaluation/evaluation-input-error';

/**
 * A model directory from the store, loaded for serving (libs/serving's `ServedModel`: the engine, the tokenizer and
 * chat template, the end-of-sequence ids, a decode session behind the continuous-batching scheduler) exactly as the
 * inference service loads a model it serves, so that what the evaluator generates is what the endpoint answers.
 */
export interface LoadedModel {
  /** Which side of the comparison: `base` or `tuned`. */
  role: 'base' | 'tuned';
  /** The key prefix it was loaded from. */
  prefix: string;
  served: ServedModel;
}

/**
 * Downloads the committed model directory at `prefix` (the layout the gateway registers and the training
 * pod exports: config.json, safetensors, tokenizer files) into `workDir/<role>` and loads it for serving. A prefix
 * with no committed model, or a directory the engine or tokenizer refuses, is the request's error.
 */
export async function loadModelFromStore(store: ArtifactStore, prefix: string, role: 'base' | 'tuned', workDir: string, limits: ServingLimits): Promise<LoadedModel> {
  const field = role === 'base' ? 'baseModel' : 'tunedModel';
  const dir = join(workDir, role);
  try {
    await downloadArtifact(store, prefix, dir);
  } catch (error) {
    if (error instanceof ArtifactNotCommittedError || error instanceof ArtifactNotFoundError) {
      throw new EvaluationInputError(`${field}: no committed model directory at ${prefix} (expected a manifest with config.json, *.safetensors and tokenizer files)`);
    }
    throw error;
  }
  let tokenizer: ModelTokenizer;
  try {
    tokenizer = await loadModelTokenizer(dir);
  } catch (error) {
    throw new EvaluationInputError(`${field}: the model at ${prefix} has no readable tokenizer (tokenizer.json, tokenizer_config.json): ${(error as Error).message.slice(0, 200)}`);
  }
  let served: ServedModel;
  try {
    served = await ServedModel.load(dir, limits, { tokenizer });
  } catch (error) {
    throw new EvaluationInputError(`${field}: the engine cannot load the model at ${prefix}: ${(error as Error).message.slice(0, 300)}`);
  }
  return { role, prefix, served };
}
