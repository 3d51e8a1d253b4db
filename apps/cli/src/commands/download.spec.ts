import { join, resolve } from 'node:path';
import { artifactNameFromOptions, targetPath } from './download';

describe('download helpers', () => {
  it('--merged is the default; --adapter picks the adapter, --gguf the GGUF file; two of them is a usage error', () => {
    expect(artifactNameFromOptions({ out: 'x', gguf: true })).toBe('gguf');
    expect(() => artifactNameFromOptions({ out: 'x', gguf: true, merged: true })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(artifactNameFromOptions({ out: 'x' })).toBe('merged');
    expect(artifactNameFromOptions({ out: 'x', adapter: true })).toBe('adapter');
    expect(() => artifactNameFromOptions({ out: 'x', adapter: true, merged: true })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('keeps every file inside --out', () => {
    expect(targetPath('out', 'model.safetensors')).toBe(join(resolve('out'), 'model.safetensors'));
    expect(targetPath('out', 'tokenizer/tokenizer.json')).toBe(join(resolve('out'), 'tokenizer', 'tokenizer.json'));
    expect(() => targetPath('out', '../evil')).toThrow(expect.objectContaining({ exitCode: 4 }));
    expect(() => targetPath('out', '/etc/passwd')).toThrow(expect.objectContaining({ exitCode: 4 }));
  });
});
