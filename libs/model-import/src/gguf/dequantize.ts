import type { GgmlType } from './ggml-types';

/**
 * ggml's block formats turned back into f32, one tensor at a time, following ggml's reference dequantizers
 * (ggml-quants.c `dequantize_row_*`) including their order of f32 operations (Math.fround at each step), so a
 * value here equals what llama.cpp computes on the CPU. Checked against the Python `gguf` package's
 * dequantizers (`gguf.quants`) in tools/tiny-model's GGUF tests.
 */
export function dequantize(type: GgmlType, bytes: Buffer, elements: number): Float32Array {
  const out = new Float32Array(elements);
  const blocks = elements / type.blockSize;
  const read = DEQUANTIZERS[type.name];
  if (!read) throw new Error(`no dequantizer for ${type.name}`);
  for (let b = 0; b < blocks; b++) read(bytes, b * type.bytesPerBlock, out, b * type.blockSize);
  return out;
}

type BlockReader = (src: Buffer, at: number, dst: Float32Array, to: number) => void;
const f = Math.fround;

const HALF_TO_FLOAT = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    table[h] = exponent === 0 ? sign * 2 ** -14 * (mantissa / 1024)
      : exponent === 31 ? (mantissa ? NaN : sign * Infinity)
      : sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
  }
  return table;
})();

export function halfToFloat(bits: number): number {
  return HALF_TO_FLOAT[bits];
}

const half = (src: Buffer, at: number) => HALF_TO_FLOAT[src.readUInt16LE(at)];
const bf16Scratch = new DataView(new ArrayBuffer(4));

/** get_scale_min_k4: the 6-bit scale and min of sub-block j packed in a K-quant block's 12 scale bytes. */
function scaleMinK4(j: number, scales: Buffer, at: number): [number, number] {
  if (j < 4) return [scales[at + j] & 63, scales[at + j + 4] & 63];
  return [
    (scales[at + j + 4] & 0xf) | ((scales[at + j - 4] >> 6) << 4),
    (scales[at + j + 4] >> 4) | ((scales[at + j] >> 6) << 4),
  ];
}

const DEQUANTIZERS: Record<string, BlockReader> = {
  F32: (s, at, d, to) => { d[to] = s.readFloatLE(at); },
  F16: (s, at, d, to) => { d[to] = half(s, at); },
  BF16: (s, at, d, to) => { bf16Scratch.setUint32(0, s.readUInt16LE(at) << 16); d[to] = bf16Scratch.getFloat32(0); },
  Q8_0: (s, at, d, to) => {
    const scale = half(s, at);
    for (let j = 0; j < 32; j++) d[to + j] = f(s.readInt8(at + 2 + j) * scale);
  },
  Q4_0: (s, at, d, to) => {
    const scale = half(s, at);
    for (let j = 0; j < 16; j++) {
      const q = s[at + 2 + j];
      d[to + j] = f(((q & 0xf) - 8) * scale);
      d[to + j + 16] = f(((q >> 4) - 8) * scale);
    }
  },
  Q4_1: (s, at, d, to) => {
    const scale = half(s, at);
    const min = half(s, at + 2);
    for (let j = 0; j < 16; j++) {
      const q = s[at + 4 + j];
      d[to + j] = f(f((q & 0xf) * scale) + min);
      d[to + j + 16] = f(f((q >> 4) * scale) + min);
    }
  },
  Q5_0: (s, at, d, to) => {
    const scale = half(s, at);
    const qh = s.readUInt32LE(at + 2);
    for (let j = 0; j < 16; j++) {
      const q = s[at + 6 + j];
      const high0 = ((qh >>> j) << 4) & 0x10;
      const high1 = (qh >>> (j + 12)) & 0x10;
      d[to + j] = f((((q & 0xf) | high0) - 16) * scale);
      d[to + j + 16] = f((((q >> 4) | high1) - 16) * scale);
    }
  },
  Q5_1: (s, at, d, to) => {
    const scale = half(s, at);
    const min = half(s, at + 2);
    const qh = s.readUInt32LE(at + 4);
    for (let j = 0; j < 16; j++) {
      const q = s[at + 8 + j];
      const high0 = ((qh >>> j) << 4) & 0x10;
      const high1 = (qh >>> (j + 12)) & 0x10;
      d[to + j] = f(f(((q & 0xf) | high0) * scale) + min);
      d[to + j + 16] = f(f(((q >> 4) | high1) * scale) + min);
    }
  },
  // block_q4_K: d, dmin (f16), scales[12], qs[128]
  Q4_K: (s, at, d, to) => {
    const scale = half(s, at);
    const minScale = half(s, at + 2);
    let q = at + 16;
    let y = to;
    for (let is = 0; is < 8; is += 2) {
      const [sc1, m1] = scaleMinK4(is, s, at + 4);
      const [sc2, m2] = scaleMinK4(is + 1, s, at + 4);
      const d1 = f(scale * sc1), min1 = f(minScale * m1), d2 = f(scale * sc2), min2 = f(minScale * m2);
      for (let l = 0; l < 32; l++) d[y++] = f(f(d1 * (s[q + l] & 0xf)) - min1);
      for (let l = 0; l < 32; l++) d[y++] = f(f(d2 * (s[q + l] >> 4)) - min2);
      q += 32;
    }
  },
  // block_q5_K: d, dmin (f16), scales[12], qh[32], qs[128]
  Q5_K: (s, at, d, to) => {
    const scale = half(s, at);
    const minScale = half(s, at + 2);
    const qh = at + 16;
    let ql = at + 48;
    let y = to;
    let u1 = 1, u2 = 2;
    for (let is = 0; is < 8; is += 2) {
      const [sc1, m1] = scaleMinK4(is, s, at + 4);
      const [sc2, m2] = scaleMinK4(is + 1, s, at + 4);
      const d1 = f(scale * sc1), min1 = f(minScale * m1), d2 = f(scale * sc2), min2 = f(minScale * m2);
      for (let l = 0; l < 32; l++) d[y++] = f(f(d1 * ((s[ql + l] & 0xf) + (s[qh + l] & u1 ? 16 : 0))) - min1);
      for (let l = 0; l < 32; l++) d[y++] = f(f(d2 * ((s[ql + l] >> 4) + (s[qh + l] & u2 ? 16 : 0))) - min2);
      ql += 32;
      u1 <<= 2;
      u2 <<= 2;
    }
  },
  // block_q6_K: ql[128], qh[64], scales[16] (int8), d (f16)
  Q6_K: (s, at, d, to) => {
    const scale = half(s, at + 208);
    let ql = at, qh = at + 128, sc = at + 192, y = to;
    for (let n = 0; n < 256; n += 128) {
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const q1 = ((s[ql + l] & 0xf) | (((s[qh + l] >> 0) & 3) << 4)) - 32;
        const q2 = ((s[ql + l + 32] & 0xf) | (((s[qh + l] >> 2) & 3) << 4)) - 32;
        const q3 = ((s[ql + l] >> 4) | (((s[qh + l] >> 4) & 3) << 4)) - 32;
        const q4 = ((s[ql + l + 32] >> 4) | (((s[qh + l] >> 6) & 3) << 4)) - 32;
        d[y + l] = f(f(scale * s.readInt8(sc + is)) * q1);
        d[y + l + 32] = f(f(scale * s.readInt8(sc + is + 2)) * q2);
        d[y + l + 64] = f(f(scale * s.readInt8(sc + is + 4)) * q3);
        d[y + l + 96] = f(f(scale * s.readInt8(sc + is + 6)) * q4);
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  },
};
