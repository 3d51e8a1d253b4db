import type { PodRunSpec } from '@tuneforge/contracts';
import type { ExportDtype, Model } from '@tuneforge/engine';
import { exportGguf, ModelImportError, writeModelfile } from '@tuneforge/model-import';
import type { Logger } from '@tuneforge/telemetry';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runPrefix } from './run-keys';
import { uploadDirectory } from './store-files';
import type { TrainingRunDeps } from './training-run';

/** The GGUF file in a job's `gguf` artifact (beside its Modelfile). */
const GGUF_FILE = 'model-f16.gguf';

/**
 * The job config's `model.dtype` as the merged export's weight dtype. The engine computes (and checkpoints) in
 * f32 whatever is asked; the dtype a user picks is the one the fine-tuned model is delivered in.
 */
const EXPORT_DTYPE_OF = { f32: 'float32', bf16: 'bfloat16', f16: 'float16' } as const satisfies Record<string, ExportDtype>;

export function mergedExportDtype(spec: PodRunSpec): ExportDtype | undefined {
  return spec.request.dtype === undefined ? undefined : EXPORT_DTYPE_OF[spec.request.dtype];
}

/**
 * The run's results in the store, each a committed artifact: the PEFT adapter (LoRA runs; with agent tokens it
 * also holds the grown embedding rows as peft modules_to_save and the tokenizer with the markers, so it loads
 * on the base alone), the merged model, and the merged model as GGUF for llama.cpp and Ollama (when its
 * architecture and tokenizer can be written as GGUF).
 */
export async function exportModels(spec: PodRunSpec, model: Model, { store, logger }: TrainingRunDeps, exportDir: string, step: number): Promise<{ adapter?: string; merged: string; gguf?: string }> {
  const request = spec.request;
  const artifacts: { adapter?: string; merged: string; gguf?: string } = { merged: `${runPrefix(request)}/merged` };
  if (request.training.method === 'lora') {
    artifacts.adapter = `${runPrefix(request)}/adapter`;
    const dir = join(exportDir, 'adapter');
    if (!existsSync(dir)) await model.saveAdapter(dir, request.baseModel);
    await uploadDirectory(store, artifacts.adapter, dir, 'peft-adapter', { runId: request.runId, baseModel: request.baseModel, step });
  }
  const mergedDir = join(exportDir, 'merged');
  const dtype = mergedExportDtype(spec);
  await model.saveMerged(mergedDir, dtype ? { dtype } : {});
  await uploadDirectory(store, artifacts.merged, mergedDir, 'model', { runId: request.runId, baseModel: request.baseModel, step });
  const ggufDir = join(exportDir, 'gguf');
  if (await writeGgufExport(mergedDir, ggufDir, request.runId, logger)) {
    artifacts.gguf = `${runPrefix(request)}/gguf`;
    await uploadDirectory(store, artifacts.gguf, ggufDir, 'gguf', { runId: request.runId, baseModel: request.baseModel, step });
  }
  return artifacts;
}

/**
 * `model-f16.gguf` and its Ollama `Modelfile` in `dir`. A model GGUF cannot hold (an architecture or tokenizer
 * llama.cpp does not know) leaves the job's other results as they are: false, and the reason logged.
 */
async function writeGgufExport(mergedDir: string, dir: string, name: string, logger: Logger): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  try {
    await exportGguf(mergedDir, join(dir, GGUF_FILE), 'f16', name);
  } catch (error) {
    if (!(error instanceof ModelImportError)) throw error;
    logger.warn({ reason: error.message }, 'the fine-tuned model has no GGUF export');
    return false;
  }
  await writeModelfile(mergedDir, GGUF_FILE, join(dir, 'Modelfile'));
  return true;
}

