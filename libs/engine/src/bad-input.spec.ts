// Broken model directories must come back as EngineErrors with codes, and the process must go on.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { binding } from './binding';
import { EngineError } from './errors';
import { Model } from './model';

const TINY = resolve(__dirname, '../../../tools/tiny-model/models/tiny-llama');

function safetensors(header: object, dataBytes: number): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

describe('bad input', () => {
  let dir: string;
  const config = JSON.parse(readFileSync(join(TINY, 'config.json'), 'utf8')) as Record<string, unknown>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tf-engine-bad-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function loadError(): Promise<EngineError> {
    try {
      (await Model.load(dir, { threads: 1 })).dispose();
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      return e as EngineError;
    }
    throw new Error('load unexpectedly succeeded');
  }

  it('truncated safetensors', async () => {
    const bytes = readFileSync(join(TINY, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 1000));
    const e = await loadError();
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/truncated/);
  });

  it('header length past the end of the file', async () => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(1n << 40n);
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([len, Buffer.from('{}')]));
    const e = await loadError();
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/header length 1099511627776 runs past the end of the file/);
  });

  it('file shorter than the header length field', async () => {
    writeFileSync(join(dir, 'model.safetensors'), Buffer.from([1, 2, 3]));
    expect((await loadError()).code).toBe('FORMAT');
  });

  it('header that is not JSON', async () => {
    const body = Buffer.from('{"a": ');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(body.length));
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([len, body]));
    expect((await loadError()).message).toMatch(/not valid JSON/);
  });

  it('byte ranges inconsistent with shape and dtype', async () => {
    writeFileSync(
      join(dir, 'model.safetensors'),
      safetensors({ 'model.norm.weight': { dtype: 'F32', shape: [64], data_offsets: [0, 100] } }, 100),
    );
    const e = await loadError();
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/model.norm.weight.*holds 100 bytes but its shape and dtype need 256/);
  });

  it('unsupported dtype', async () => {
    writeFileSync(
      join(dir, 'model.safetensors'),
      safetensors({ 'model.norm.weight': { dtype: 'I64', shape: [64], data_offsets: [0, 512] } }, 512),
    );
    const e = await loadError();
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/dtype I64/);
  });

  it('config not matching the weights names the tensor and both shapes', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 128 }));
    copyFileSync(join(TINY, 'model.safetensors'), join(dir, 'model.safetensors'));
    const e = await loadError();
    expect(e.code).toBe('MISMATCH');
    expect(e.message).toMatch(/layers.0.mlp.gate_proj.weight has shape \[192, 64\] but config.json implies \[128, 64\]/);
  });

  it('missing layer', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 3 }));
    copyFileSync(join(TINY, 'model.safetensors'), join(dir, 'model.safetensors'));
    const e = await loadError();
    expect(e.code).toBe('MISMATCH');
    expect(e.message).toMatch(/missing tensor model.layers.2/);
  });

  it('unsupported architecture', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, architectures: ['GPT2LMHeadModel'] }));
    const e = await loadError();
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/GPT2LMHeadModel is not supported/);
  });

  it('no safetensors weights (pickle is not accepted)', async () => {
    writeFileSync(join(dir, 'pytorch_model.bin'), 'not loaded');
    const e = await loadError();
    expect(e.code).toBe('IO');
    expect(e.message).toMatch(/only safetensors/);
  });

  it('token ids outside the vocabulary are refused before the native call; the process keeps working', async () => {
    const model = await Model.load(TINY, { threads: 1 });
    await expect(model.forward([[1, 99999]])).rejects.toThrow(/not an id/);
    await expect(model.forward([[1, 2], [3]])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const logits = await model.forward([[1, 2]]);
    expect(logits.length).toBe(2 * model.info().vocabSize);
    model.dispose();
    expect(() => model.info()).toThrow(/disposed/);
  });

  it('the binding refuses inconsistent buffers with INVALID_ARGUMENT', async () => {
    const model = await Model.load(TINY, { threads: 1 });
    const b = binding();
    await expect(model.run((h) => b.forward(h, new Int32Array([1, 2, 3]), null, 2, 2))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(model.run((h) => b.tokenLogprobs(h, new Int32Array([1, 2]), new Int32Array([0, 5])))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(model.run((h) => b.forward(h, [1, 2] as never, null, 1, 2))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    model.dispose();
  });

  it('engine state errors carry codes', async () => {
    const model = await Model.load(TINY, { threads: 1 });
    const trainer = await model.createTrainer({ mode: 'full', lr: 1e-3 });
    await expect(trainer.step()).rejects.toMatchObject({ code: 'STATE' });
    await expect(model.createTrainer({ mode: 'full', lr: 1e-3 })).rejects.toMatchObject({ code: 'STATE' });
    await expect(model.addTokens(2)).rejects.toMatchObject({ code: 'STATE' });
    trainer.dispose();
    model.dispose();
  });
});
