import { SeededRandom } from '../synthetic/seeded-random';
import { findNearDuplicates, MinHasher } from './minhash';

export interface SplitOptions {
  seed: number | string;
  /** Share of items that go to validation (of whole near-duplicate groups, so approximate). */
  validationShare: number;
  /** Estimated Jaccard similarity from which two items count as near duplicates. */
  nearDuplicateThreshold?: number;
}

export interface SplitResult<T> {
  train: T[];
  validation: T[];
  /** Groups of near-duplicate item indices kept together on one side. */
  groups: number[][];
}

/**
 * Splits items into train and validation deterministically by seed, keeping near duplicates on the same
 * side: duplicates across the split would measure memorization, not generalization. Items are grouped by
 * MinHash similarity (union-find over LSH candidate pairs), groups are shuffled by the seed, and whole
 * groups fill validation up to its share. Order within each side follows the input order.
 */
export function splitTrainValidation<T>(items: T[], textOf: (item: T) => string, options: SplitOptions): SplitResult<T> {
  const hasher = new MinHasher();
  const signatures = items.map((item) => hasher.signature(textOf(item)));
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (const { a, b } of findNearDuplicates(signatures, options.nearDuplicateThreshold ?? 0.8)) {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const byRoot = new Map<number, number[]>();
  items.forEach((_, i) => {
    const root = find(i);
    const group = byRoot.get(root);
    if (group) group.push(i);
    else byRoot.set(root, [i]);
  });
  const groups = [...byRoot.values()];
  const target = Math.round(items.length * options.validationShare);
  const validationIndices = new Set<number>();
  for (const group of new SeededRandom(options.seed).shuffle(groups)) {
    if (validationIndices.size >= target) break;
    if (validationIndices.size + group.length > target && validationIndices.size > 0) continue;
    for (const i of group) validationIndices.add(i);
  }
  return {
    train: items.filter((_, i) => !validationIndices.has(i)),
    validation: items.filter((_, i) => validationIndices.has(i)),
    groups: groups.filter((g) => g.length > 1),
  };
}
