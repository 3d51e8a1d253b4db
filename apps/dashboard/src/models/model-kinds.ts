import type { Model } from '../api/types';

/** The registry's names sorted by kind: base models, tuned models (`ft:…`), and their checkpoints (`ft:…:ckpt-step-<n>`). */
export function modelsByKind(models: readonly Model[]): { base: Model[]; tuned: Model[]; checkpoints: Model[] } {
  const checkpoint = /:ckpt-step-\d+$/;
  return {
    base: models.filter((model) => !model.id.startsWith('ft:')),
    tuned: models.filter((model) => model.id.startsWith('ft:') && !checkpoint.test(model.id)),
    checkpoints: models.filter((model) => checkpoint.test(model.id)).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true })),
  };
}
