export { ModelImportError } from './errors';
export { readGgufFile, type GgufFile, type GgufTensorInfo, type GgufValue } from './gguf/gguf-file';
export { dequantize } from './gguf/dequantize';
export { rebuildTokenizer, KNOWN_PRE_TOKENIZERS } from './gguf/gguf-tokenizer';
export { importGguf, type GgufImportResult } from './gguf/import-gguf';
export { DEFAULT_BASE_MODEL, installDefaultModel, installedDefaultModel, tuneforgeCacheDir, type InstalledDefaultModel } from './default-model';
export { validateHfDirectory, type HfDirectorySummary } from './hf/validate-hf-directory';
export { llamaTensors, type LlamaDimensions, type LlamaTensor } from './llama-tensors';
export { exportGguf, writeModelfile, GGUF_EXPORT_TYPES, type GgufExportType, type GgufExportResult } from './gguf/export-gguf';
