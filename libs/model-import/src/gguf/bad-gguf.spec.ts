import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelImportError } from '../errors';
import { TinyGgufFixtures } from '../testing/tiny-gguf-fixtures';
import { importGguf } from './import-gguf';

/** Each broken file is refused with the file's name, the field at fault and what was expected, and writes no model. */
describe('GGUF import of a bad file', () => {
  let fixtures: TinyGgufFixtures;
  let good: Buffer;

  beforeAll(() => {
    fixtures = new TinyGgufFixtures();
    good = readFileSync(fixtures.gguf('good', 'Q8_0'));
  });
  afterAll(() => rmSync(fixtures.dir, { recursive: true, force: true }));

  async function refusal(path: string): Promise<ModelImportError> {
    const out = join(fixtures.dir, 'out-of-a-bad-file');
    rmSync(out, { recursive: true, force: true });
    const error = await importGguf(path, out, 'model.gguf').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ModelImportError);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    return error as ModelImportError;
  }

  function variant(name: string, edit: (bytes: Buffer) => Buffer): string {
    const path = join(fixtures.dir, name);
    writeFileSync(path, edit(Buffer.from(good)));
    return path;
  }

  it('a truncated file: the tensor whose data runs past the end', async () => {
    const error = await refusal(variant('truncated.gguf', (b) => b.subarray(0, b.length - 1000)));
    expect(error.message).toMatch(/^model\.gguf: tensor [a-z0-9_.]+: its \d+ bytes at offset \d+ end past the end of the file .*truncated/);
  });

  it('a file cut inside its metadata', async () => {
    const error = await refusal(variant('cut.gguf', (b) => b.subarray(0, 400)));
    expect(error.file).toBe('model.gguf');
    expect(error.message).toMatch(/truncated/);
  });

  it('a wrong magic', async () => {
    const error = await refusal(variant('magic.gguf', (b) => { b.write('GGML', 0, 'latin1'); return b; }));
    expect(error.message).toBe('model.gguf: header.magic: not a GGUF file (expected the bytes "GGUF", found 0x4c4d4747)');
  });

  it('absurd declared sizes: a tensor count of 2^60 and a 2^50-byte string', async () => {
    const manyTensors = await refusal(variant('count.gguf', (b) => { b.writeBigUInt64LE(1n << 60n, 8); return b; }));
    expect(manyTensors.message).toBe('model.gguf: header.tensor_count: 1152921504606846976 is larger than the most allowed (65536)');
    // The first metadata key's length, right after the 24-byte header.
    const longKey = await refusal(variant('string.gguf', (b) => { b.writeBigUInt64LE(1n << 50n, 24); return b; }));
    expect(longKey.field).toBe('metadata[0].key length');
  });

  it('an unknown architecture', async () => {
    const error = await refusal(fixtures.gguf('arch', 'Q8_0', ['--architecture', 'gpt-neox']));
    expect(error.message).toBe('model.gguf: metadata "general.architecture": architecture "gpt-neox" is not supported (supported: llama, qwen2, qwen3)');
  });

  it('an unsupported quantization type', async () => {
    const error = await refusal(fixtures.gguf('iq4nl', 'Q8_0', ['--raw-type-tensor', 'blk.0.ffn_up.weight=IQ4_NL']));
    expect(error.field).toBe('tensor blk.0.ffn_up.weight.type');
    expect(error.reason).toMatch(/^quantization type IQ4_NL is not supported \(supported: F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16\)$/);
  });

  it('a tensor count that does not match the metadata: a missing block tensor', async () => {
    const error = await refusal(fixtures.gguf('missing', 'Q8_0', ['--drop-tensor', 'blk.1.attn_v.weight']));
    expect(error.message).toMatch(/^model\.gguf: tensor blk\.1\.attn_v\.weight: missing: llama with 2 blocks needs it/);
  });
});
