import { binding } from './binding';
import { EngineError, toEngineError } from './errors';

/** A backend's allocator in this process: bytes held now, and the most held since the last reset. */
export interface MemoryStats {
  inUse: number;
  peak: number;
}

function backendName(backend: string): string {
  if (typeof backend !== 'string' || backend.length === 0) throw new EngineError('INVALID_ARGUMENT', 'backend must be a backend name such as "cpu"');
  return backend;
}

/** A synchronous native call whose failure becomes an EngineError. */
function sync<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw toEngineError(err);
  }
}

/**
 * Caps the bytes a backend's allocator may hold in this process, over every model (0 takes the cap off). An
 * allocation past it fails as a real one does: the call that needed it rejects with code OUT_OF_MEMORY. An
 * operator's budget for the engine, and how tests force an out-of-memory on the CPU.
 */
export function setMemoryLimit(bytes: number, backend = 'cpu'): void {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) throw new EngineError('INVALID_ARGUMENT', 'bytes must be 0 (no limit) or a positive whole number');
  const name = backendName(backend);
  sync(() => binding().setMemoryLimit(name, bytes));
}

/** The allocator's counters; `resetPeak` starts a new peak from what is held now (after reading this one). */
export function memoryStats(backend = 'cpu', resetPeak = false): MemoryStats {
  const name = backendName(backend);
  return sync(() => binding().memoryStats(name, resetPeak));
}
