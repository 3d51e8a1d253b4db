import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitLocalDirectory } from './commit-local-directory';
import { openArtifact } from './committed-artifact';
import { FilesystemArtifactStore } from './filesystem-artifact-store';

describe('commitLocalDirectory', () => {
  it('uploads the files of a directory as one committed artifact, leaving subdirectories out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-local-dir-'));
    writeFileSync(join(dir, 'config.json'), '{"vocab_size": 8}');
    writeFileSync(join(dir, 'model.safetensors'), Buffer.alloc(1024, 7));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'ignored.txt'), 'not part of a flat model directory');
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-store-'))).forTenant('acme');

    const prefix = await commitLocalDirectory(store, 'models/tiny', dir, { kind: 'model', metadata: { name: 'tiny' } });

    const artifact = await openArtifact(store, prefix);
    expect(artifact.manifest.kind).toBe('model');
    expect(artifact.manifest.files.map((file) => file.path).sort()).toEqual(['config.json', 'model.safetensors']);
    expect((await artifact.readFile('config.json')).toString()).toBe('{"vocab_size": 8}');
    await expect(commitLocalDirectory(store, 'models/tiny', dir, { kind: 'model' })).rejects.toThrow(/already committed/);
  });
});
