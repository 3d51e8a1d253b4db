/**
 * f32 into the ggml types the GGUF export writes: F16 (round to nearest even, as the F16C instruction ggml uses
 * on x86) and Q8_0 (ggml-quants.c `quantize_row_q8_0_ref`: per block of 32, d = amax / 127, q = roundf(x / d)).
 */
const scratch = new DataView(new ArrayBuffer(4));

export function floatToHalf(value: number): number {
  scratch.setFloat32(0, value);
  const x = scratch.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry into the exponent is still correct (up to infinity)
  return sign | half;
}

export function toF16(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(floatToHalf(values[i]), i * 2);
  return out;
}

export function toQ8_0(values: Float32Array): Buffer {
  const blocks = values.length / 32;
  const out = Buffer.alloc(blocks * 34);
  const f = Math.fround;
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[b * 32 + j]));
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    out.writeUInt16LE(floatToHalf(d), b * 34);
    for (let j = 0; j < 32; j++) {
      const v = f(values[b * 32 + j] * id);
      out.writeInt8(Math.sign(v) * Math.round(Math.abs(v)), b * 34 + 2 + j); // roundf: halves away from zero
    }
  }
  return out;
}
