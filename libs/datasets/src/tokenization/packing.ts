import { countLabeled, IGNORE_INDEX, type TokenizedSample } from './tokenized-sample';

export interface TruncationOptions {
  maxLength: number;
  /**
   * `right` keeps the beginning (the usual choice); `left` keeps the end, where a long multi-turn
   * conversation's last answers are, at the cost of its first turns.
   */
  side?: 'right' | 'left';
}

export interface TruncationCut {
  index: number;
  originalLength: number;
  tokensCut: number;
  labeledTokensCut: number;
  /** Nothing trainable remained, so the sample was dropped rather than trained on as pure context. */
  dropped: boolean;
}

export interface TruncationReport {
  samples: number;
  truncated: number;
  dropped: number;
  tokensCut: number;
  labeledTokensCut: number;
  /** Share of samples that lost tokens. */
  truncationRate: number;
  /** The first cuts, for the quality report; all are counted above. */
  cuts: TruncationCut[];
}

const MAX_LISTED_CUTS = 100;

/** Cuts samples to `maxLength`, dropping those left with nothing to learn, and reports what was lost. */
export function truncateSamples<T extends TokenizedSample>(samples: T[], options: TruncationOptions): { samples: T[]; report: TruncationReport } {
  const kept: T[] = [];
  const report: TruncationReport = { samples: samples.length, truncated: 0, dropped: 0, tokensCut: 0, labeledTokensCut: 0, truncationRate: 0, cuts: [] };
  samples.forEach((sample, index) => {
    const length = sample.input_ids.length;
    if (length <= options.maxLength) {
      kept.push(sample);
      return;
    }
    const [from, to] = options.side === 'left' ? [length - options.maxLength, length] : [0, options.maxLength];
    const labels = sample.labels.slice(from, to);
    const cut: TruncationCut = {
      index,
      originalLength: length,
      tokensCut: length - options.maxLength,
      labeledTokensCut: countLabeled(sample.labels) - countLabeled(labels),
      dropped: countLabeled(labels) === 0,
    };
    report.truncated++;
    report.tokensCut += cut.tokensCut;
    report.labeledTokensCut += cut.labeledTokensCut;
    if (cut.dropped) report.dropped++;
    else kept.push({ ...sample, input_ids: sample.input_ids.slice(from, to), labels });
    if (report.cuts.length < MAX_LISTED_CUTS) report.cuts.push(cut);
  });
  report.truncationRate = samples.length ? report.truncated / samples.length : 0;
  return { samples: kept, report };
}

/** Several samples in one row of the batch; attention must not cross `boundaries`. */
export interface PackedSequence {
  input_ids: number[];
  labels: number[];
  /** Restart at 0 for every sample, so each sees the positions it would see alone. */
  position_ids: number[];
  /** Start offset of each sample and the end of the last (cu_seqlens); padding lies after the end. */
  boundaries: number[];
  /** Index of each packed sample in the input list. */
  sampleIndices: number[];
}

export interface PackingOptions {
  maxLength: number;
  padTokenId: number;
  /** Pad every sequence to maxLength (fixed shapes) rather than to its own length. */
  padToMaxLength?: boolean;
}

export interface PackingReport {
  sequences: number;
  samples: number;
  realTokens: number;
  paddingTokens: number;
  /** Real tokens over all tokens: how much compute packing saves compared with one sample per row. */
  efficiency: number;
}

/**
 * Packs samples into rows of at most `maxLength` tokens, first-fit over samples taken longest first, which
 * wastes little and is deterministic. Samples must already be truncated to `maxLength`.
 */
export function packSamples(samples: TokenizedSample[], options: PackingOptions): { sequences: PackedSequence[]; report: PackingReport } {
  const order = samples.map((s, i) => ({ i, length: s.input_ids.length })).sort((a, b) => b.length - a.length || a.i - b.i);
  const bins: Array<{ used: number; members: number[] }> = [];
  for (const { i, length } of order) {
    if (length > options.maxLength) throw new RangeError(`sample ${i} has ${length} tokens, more than maxLength ${options.maxLength}; truncate first`);
    if (length === 0) continue;
    const bin = bins.find((b) => b.used + length <= options.maxLength);
    if (bin) {
      bin.used += length;
      bin.members.push(i);
    } else bins.push({ used: length, members: [i] });
  }
  let realTokens = 0;
  let paddingTokens = 0;
  const sequences = bins.map((bin): PackedSequence => {
    const members = [...bin.members].sort((a, b) => a - b);
    const sequence: PackedSequence = { input_ids: [], labels: [], position_ids: [], boundaries: [0], sampleIndices: members };
    for (const i of members) {
      const s = samples[i];
      sequence.input_ids.push(...s.input_ids);
      sequence.labels.push(...s.labels);
      for (let p = 0; p < s.input_ids.length; p++) sequence.position_ids.push(p);
      sequence.boundaries.push(sequence.input_ids.length);
    }
    realTokens += sequence.input_ids.length;
    const padding = options.padToMaxLength ? options.maxLength - sequence.input_ids.length : 0;
    for (let p = 0; p < padding; p++) {
      sequence.input_ids.push(options.padTokenId);
      sequence.labels.push(IGNORE_INDEX);
      sequence.position_ids.push(p);
    }
    paddingTokens += padding;
    return sequence;
  });
  const total = realTokens + paddingTokens;
  return { sequences, report: { sequences: sequences.length, samples: samples.length, realTokens, paddingTokens, efficiency: total ? realTokens / total : 0 } };
}
