/** Label value the loss ignores (PyTorch's cross-entropy default, which the native engine follows too). */
export const IGNORE_INDEX = -100;

/** Token ids and per-token labels: the id where the model must learn to produce it, IGNORE_INDEX elsewhere. */
export interface TokenizedSample {
  input_ids: number[];
  labels: number[];
}

/** The action mask of reference 004: 1 where the token was produced by the model and is trained on. */
export function actionMask(sample: TokenizedSample): number[] {
  return sample.labels.map((label) => (label === IGNORE_INDEX ? 0 : 1));
}

export function countLabeled(labels: number[]): number {
  let n = 0;
  for (const label of labels) if (label !== IGNORE_INDEX) n++;
  return n;
}
