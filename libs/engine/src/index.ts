export * from './errors';
export * from './config';
export { Model, Trainer, type Generation, type ModelInfo, type StepResult } from './model';
export { readSafetensors, type Tensor } from './safetensors';
export { addonPath } from './binding';
