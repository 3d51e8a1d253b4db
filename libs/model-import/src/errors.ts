/**
 * A model file that cannot be imported or registered: which file, which field (a GGUF metadata key, a tensor
 * name, a config.json key) and what was expected. The gateway answers it as a 400 with this message.
 */
export class ModelImportError extends Error {
  override readonly name = 'ModelImportError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}: ${field}: ${reason}`);
  }
}
