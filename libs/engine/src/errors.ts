/** Status codes of the native engine (tf_status), plus argument errors caught before the native call. */
export const ENGINE_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'IO',
  'FORMAT',
  'UNSUPPORTED',
  'MISMATCH',
  'OUT_OF_MEMORY',
  'STATE',
  'BUSY',
  'INTERNAL',
  'ADDON_NOT_BUILT',
  'DISPOSED',
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

function isCode(code: unknown): code is EngineErrorCode {
  return typeof code === 'string' && (ENGINE_ERROR_CODES as readonly string[]).includes(code);
}

/** Converts whatever the addon threw (an Error with a string `code`) into an EngineError. */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  // Duck-typed: errors made by the addon belong to Node's main realm, which is not
  // the realm of a Jest test (or any vm context), so instanceof Error would miss them.
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    const { code, message } = err as { code?: unknown; message: string };
    return new EngineError(isCode(code) ? code : 'INTERNAL', message);
  }
  return new EngineError('INTERNAL', String(err));
}

/** Awaits a native call and rethrows its failure as an EngineError. */
export async function native<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toEngineError(err);
  }
}

export function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}
