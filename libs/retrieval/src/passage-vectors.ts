/** One unit-length vector per passage, from one embeddings model, stored flat (row-major float32). */
export class PassageVectors {
  constructor(
    readonly model: string,
    readonly dimensions: number,
    readonly values: Float32Array,
  ) {
    if (dimensions < 1 || values.length % dimensions !== 0) throw new RangeError(`passage vectors: ${values.length} values do not make rows of ${dimensions}`);
  }

  static fromRows(model: string, rows: readonly number[][]): PassageVectors {
    const dimensions = rows[0]?.length ?? 0;
    const values = new Float32Array(rows.length * dimensions);
    rows.forEach((row, i) => values.set(row, i * dimensions));
    return new PassageVectors(model, dimensions, values);
  }

  get count(): number {
    return this.values.length / this.dimensions;
  }

  /** Cosine similarity of every passage with a unit-length query vector, by passage index. */
  similarities(query: readonly number[]): Float32Array {
    if (query.length !== this.dimensions) throw new RangeError(`query vector has ${query.length} dimensions, the index's ${this.model} vectors ${this.dimensions}`);
    const out = new Float32Array(this.count);
    for (let row = 0; row < out.length; row += 1) {
      let dot = 0;
      const base = row * this.dimensions;
      for (let d = 0; d < this.dimensions; d += 1) dot += this.values[base + d] * query[d];
      out[row] = dot;
    }
    return out;
  }

  /** Little-endian float32 bytes, the layout `vectors.f32` holds. */
  toBuffer(): Buffer {
    const buffer = Buffer.alloc(this.values.length * 4);
    this.values.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
    return buffer;
  }

  static fromBuffer(model: string, dimensions: number, buffer: Buffer): PassageVectors {
    if (buffer.length % 4 !== 0) throw new RangeError(`passage vectors: ${buffer.length} bytes is not a whole number of float32 values`);
    const values = new Float32Array(buffer.length / 4);
    for (let i = 0; i < values.length; i += 1) values[i] = buffer.readFloatLE(i * 4);
    return new PassageVectors(model, dimensions, values);
  }
}
