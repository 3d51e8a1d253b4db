import { packSamples, type PackedSequence, type TokenizedSample } from '@tuneforge/datasets';

export interface TrainingRowsOptions {
  /** The job config's `data.packing`. */
  packing: boolean;
  maxLength: number;
  padTokenId: number;
}

export interface TrainingRows {
  rows: PackedSequence[];
  /** Packed rows only: real tokens over all tokens of the packed rows (the packer's report). */
  packingEfficiency?: number;
}

/**
 * The rows the step plan shuffles and batches. Packed: several samples share a row of `maxLength` tokens,
 * each with its own positions. Unpacked: one sample per row, so a micro-batch of n rows is n samples, padded
 * to its longest row when batched (`padRows`), as a user who turned packing off expects.
 */
export function trainingRows(samples: readonly TokenizedSample[], options: TrainingRowsOptions): TrainingRows {
  if (options.packing) {
    const { sequences, report } = packSamples([...samples], { maxLength: options.maxLength, padTokenId: options.padTokenId });
    return { rows: sequences, packingEfficiency: report.efficiency };
  }
  const rows: PackedSequence[] = [];
  samples.forEach((sample, index) => {
    const length = sample.input_ids.length;
    if (length > options.maxLength) throw new RangeError(`sample ${index} has ${length} tokens, more than maxSequenceLength ${options.maxLength}`);
    if (length === 0) return;
    rows.push({
      input_ids: [...sample.input_ids],
      labels: [...sample.labels],
      position_ids: Array.from({ length }, (_, p) => p),
      boundaries: [0, length],
      sampleIndices: [index],
    });
  });
  return { rows };
}
