import { hashString, SeededRandom } from '../synthetic/seeded-random';

export interface MinHashOptions {
  /** Number of hash functions; the Jaccard estimate's error shrinks as 1/sqrt(permutations). */
  permutations?: number;
  /** Words per shingle. */
  shingleWords?: number;
}

const DEFAULT_PERMUTATIONS = 64;
const DEFAULT_SHINGLE_WORDS = 3;

/**
 * MinHash signatures for near-duplicate detection: two texts whose word-shingle sets overlap with Jaccard
 * similarity J agree on each signature position with probability J. The hash family is fixed (seeded) so
 * signatures from different runs compare.
 */
export class MinHasher {
  readonly permutations: number;
  private readonly shingleWords: number;
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;

  constructor(options: MinHashOptions = {}) {
    this.permutations = options.permutations ?? DEFAULT_PERMUTATIONS;
    this.shingleWords = options.shingleWords ?? DEFAULT_SHINGLE_WORDS;
    const rng = new SeededRandom('tuneforge-minhash');
    this.a = new Uint32Array(this.permutations);
    this.b = new Uint32Array(this.permutations);
    for (let i = 0; i < this.permutations; i++) {
      this.a[i] = (Math.floor(rng.next() * 0xffffffff) | 1) >>> 0;
      this.b[i] = Math.floor(rng.next() * 0xffffffff) >>> 0;
    }
  }

  shingles(text: string): Set<number> {
    const words = normalizeText(text).split(' ').filter(Boolean);
    const out = new Set<number>();
    if (words.length === 0) return out;
    const n = Math.min(this.shingleWords, words.length);
    for (let i = 0; i + n <= words.length; i++) out.add(hashString(words.slice(i, i + n).join(' ')));
    return out;
  }

  signature(text: string): Uint32Array {
    const signature = new Uint32Array(this.permutations).fill(0xffffffff);
    for (const shingle of this.shingles(text)) {
      for (let i = 0; i < this.permutations; i++) {
        const h = (Math.imul(this.a[i], shingle) + this.b[i]) >>> 0;
        // A second mix keeps the multiply-add family from preserving shingle order.
        const mixed = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
        if (mixed < signature[i]) signature[i] = mixed;
      }
    }
    return signature;
  }
}

export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}

/** Lowercase words without punctuation, so formatting differences do not hide a duplicate. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface NearDuplicatePair {
  a: number;
  b: number;
  similarity: number;
}

/**
 * Pairs of signatures whose estimated similarity reaches `threshold`, found with locality-sensitive
 * hashing (signature bands as bucket keys) so the work grows with the number of candidates, not n².
 */
export function findNearDuplicates(signatures: Uint32Array[], threshold: number, rowsPerBand = 4): NearDuplicatePair[] {
  if (signatures.length === 0) return [];
  const length = signatures[0].length;
  const bands = Math.floor(length / rowsPerBand);
  const seen = new Set<string>();
  const pairs: NearDuplicatePair[] = [];
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((sig, index) => {
      const key = Array.from(sig.subarray(band * rowsPerBand, (band + 1) * rowsPerBand)).join(',');
      const bucket = buckets.get(key);
      if (bucket) bucket.push(index);
      else buckets.set(key, [index]);
    });
    for (const bucket of buckets.values()) {
      for (let i = 0; i < bucket.length; i++) {
        for (let j = i + 1; j < bucket.length; j++) {
          const key = `${bucket[i]}:${bucket[j]}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const similarity = estimateJaccard(signatures[bucket[i]], signatures[bucket[j]]);
          if (similarity >= threshold) pairs.push({ a: bucket[i], b: bucket[j], similarity });
        }
      }
    }
  }
  return pairs.sort((x, y) => x.a - y.a || x.b - y.b);
}
