import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactWriter } from './artifact-writer';
import { downloadArtifact } from './download-artifact';
import { ArtifactNotCommittedError } from './errors';
import { FilesystemArtifactStore } from './filesystem-artifact-store';

describe('downloadArtifact', () => {
  it('copies every file of a committed artifact into a directory, nested paths included', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-store-'))).forTenant('acme');
    const writer = await ArtifactWriter.begin(store, 'models/tiny', { kind: 'model' });
    await writer.addFile('config.json', '{"vocab_size": 8}');
    await writer.addFile('weights/model.safetensors', Buffer.alloc(2048, 3));
    await writer.commit();
    const dir = join(mkdtempSync(join(tmpdir(), 'tf-download-')), 'model');

    const manifest = await downloadArtifact(store, 'models/tiny', dir);

    expect(manifest.files.map((file) => file.path).sort()).toEqual(['config.json', 'weights/model.safetensors']);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"vocab_size": 8}');
    expect(readFileSync(join(dir, 'weights', 'model.safetensors')).equals(Buffer.alloc(2048, 3))).toBe(true);
    // Files are created exclusively: a second download into the same directory does not overwrite them.
    await expect(downloadArtifact(store, 'models/tiny', dir)).rejects.toThrow(/EEXIST/);
  });

  it('refuses a prefix without a manifest before writing anything', async () => {
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-store-'))).forTenant('acme');
    await store.put('models/half/config.json', '{}');
    await expect(downloadArtifact(store, 'models/half', join(tmpdir(), 'tf-never-written'))).rejects.toBeInstanceOf(ArtifactNotCommittedError);
  });
});
