/**
 * The ggml tensor types an import can meet, as GGUF numbers them (ggml.h `enum ggml_type`): elements per block
 * and bytes per block. Only the types listed here are read; any other type number is refused by name or number.
 */
export interface GgmlType {
  readonly name: string;
  readonly blockSize: number;
  readonly bytesPerBlock: number;
}

export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map([
  [0, { name: 'F32', blockSize: 1, bytesPerBlock: 4 }],
  [1, { name: 'F16', blockSize: 1, bytesPerBlock: 2 }],
  [2, { name: 'Q4_0', blockSize: 32, bytesPerBlock: 18 }],
  [3, { name: 'Q4_1', blockSize: 32, bytesPerBlock: 20 }],
  [6, { name: 'Q5_0', blockSize: 32, bytesPerBlock: 22 }],
  [7, { name: 'Q5_1', blockSize: 32, bytesPerBlock: 24 }],
  [8, { name: 'Q8_0', blockSize: 32, bytesPerBlock: 34 }],
  [12, { name: 'Q4_K', blockSize: 256, bytesPerBlock: 144 }],
  [13, { name: 'Q5_K', blockSize: 256, bytesPerBlock: 176 }],
  [14, { name: 'Q6_K', blockSize: 256, bytesPerBlock: 210 }],
  [30, { name: 'BF16', blockSize: 1, bytesPerBlock: 2 }],
]);

/** Names of ggml types this importer does not read, for a clearer refusal than a bare number. */
export const UNSUPPORTED_GGML_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [9, 'Q8_1'], [10, 'Q2_K'], [11, 'Q3_K'], [15, 'Q8_K'], [16, 'IQ2_XXS'], [17, 'IQ2_XS'], [18, 'IQ3_XXS'],
  [19, 'IQ1_S'], [20, 'IQ4_NL'], [21, 'IQ3_S'], [22, 'IQ2_S'], [23, 'IQ4_XS'], [24, 'I8'], [25, 'I16'],
  [26, 'I32'], [27, 'I64'], [28, 'F64'], [29, 'IQ1_M'], [34, 'TQ1_0'], [35, 'TQ2_0'], [39, 'MXFP4'],
]);

export const SUPPORTED_GGML_TYPE_NAMES = [...GGML_TYPES.values()].map((t) => t.name);
