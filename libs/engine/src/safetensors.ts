import { type NativeTensor, binding } from './binding';
import { native } from './errors';

export type Tensor = NativeTensor;

/** Reads every tensor of a safetensors file as f32 (f16/bf16 converted), validated by the native reader. */
export function readSafetensors(path: string): Promise<Record<string, Tensor>> {
  return native(() => binding().readSafetensors(path));
}
