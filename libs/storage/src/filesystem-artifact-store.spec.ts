import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ArtifactExistsError, InvalidArtifactKeyError } from './errors';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { describeArtifactStoreConformance } from './testing/artifact-store-conformance';

describeArtifactStoreConformance('filesystem', async () => {
  const rootDir = await mkdtemp(join(tmpdir(), 'tf-storage-conformance-'));
  return {
    store: new FilesystemArtifactStore(rootDir),
    dispose: () => rm(rootDir, { recursive: true, force: true }),
  };
});

describe('FilesystemArtifactStore', () => {
  let rootDir: string;
  let store: FilesystemArtifactStore;

  beforeEach(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'tf-storage-fs-'));
    store = new FilesystemArtifactStore(rootDir);
  });

  afterEach(async () => {
    await rm(rootDir, { recursive: true, force: true });
  });

  it('leaves no staging files behind, after success or after a failed stream', async () => {
    await store.put('ok.bin', 'fine');
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.put('broken.bin', failing)).rejects.toThrow('client went away');
    expect(await readdir(join(rootDir, 'staging'))).toEqual([]);
    expect(await store.exists('broken.bin')).toBe(false);
  });

  it('does not destroy a caller stream it refuses', async () => {
    await store.put('taken.txt', 'first');
    const body = Readable.from([Buffer.from('second')]);
    await expect(store.put('taken.txt', body)).rejects.toBeInstanceOf(ArtifactExistsError);
    expect(body.destroyed).toBe(false);
  });

  it('keeps objects and their sha256 sidecars in separate trees', async () => {
    const { sha256 } = await store.put('runs/1/out.txt', 'bytes');
    expect((await stat(join(rootDir, 'objects', 'runs', '1', 'out.txt'))).size).toBe(5);
    expect((await store.stat('runs/1/out.txt')).sha256).toBe(sha256);
    expect(await readdir(join(rootDir, 'metadata', 'runs', '1'))).toEqual(['out.txt']);
  });

  it('still serves an object whose sidecar a killed writer never wrote, without a sha256', async () => {
    await store.put('orphan.txt', 'bytes');
    await rm(join(rootDir, 'metadata', 'orphan.txt'));
    expect(await store.stat('orphan.txt')).toMatchObject({ size: 5, sha256: undefined, contentType: 'application/octet-stream' });
  });

  it('explains that a key cannot also be a directory of other keys', async () => {
    await store.put('a', 'file');
    await expect(store.put('a/b', 'nested')).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    await store.put('c/d', 'nested');
    await expect(store.put('c', 'file')).rejects.toBeInstanceOf(InvalidArtifactKeyError);
  });

  it('returns file URLs from presignedGetUrl', async () => {
    await store.put('x.txt', 'x');
    expect(await store.presignedGetUrl('x.txt', 60)).toBe(`file://${join(rootDir, 'objects', 'x.txt')}`);
  });

  it('reports an unwritable root through ping', async () => {
    await store.put('plain-file', 'not a directory');
    const blocked = new FilesystemArtifactStore(join(rootDir, 'objects', 'plain-file', 'artifacts'));
    await expect(blocked.ping()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });
});
