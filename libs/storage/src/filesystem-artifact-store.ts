import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ArtifactStoreBase, DEFAULT_CONTENT_TYPE } from './artifact-store-base';
import type { ArtifactBody, ArtifactListing, ArtifactStat, PutOptions, PutResult } from './artifact-store';
import { bodyChunks } from './body-chunks';
import { ContentDigest } from './content-digest';
import type { StorageConfig } from './storage-config';
import { ArtifactExistsError, ArtifactNotFoundError, InvalidArtifactKeyError, StorageUnavailableError } from './errors';

/** What the sidecar next to each object records; the object file itself holds only the bytes. */
interface ObjectMetadata {
  sha256: string;
  contentType: string;
}

/** Staging files older than this belong to writers that were killed; younger ones may still be in use. */
const STALE_STAGING_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * The embedded-mode driver. Layout under the root directory:
 *   objects/<key>   the bytes, one file per key
 *   metadata/<key>  a JSON sidecar with sha256 and content type
 *   staging/        temporary files being written
 * A put streams into a staging file, fsyncs it, then hard-links it to objects/<key>. link(2) fails
 * with EEXIST if the name is taken, which makes the create atomic and create-only even between
 * processes sharing the directory (rename would silently replace). Staging lives on the same
 * filesystem as objects/, which link needs.
 */
export class FilesystemArtifactStore extends ArtifactStoreBase {
  readonly rootDir: string;
  private readonly objectsDir: string;
  private readonly metadataDir: string;
  private readonly stagingDir: string;
  private stagingReady: Promise<void> | undefined;

  constructor(rootDir: string) {
    super();
    this.rootDir = resolve(rootDir);
    this.objectsDir = join(this.rootDir, 'objects');
    this.metadataDir = join(this.rootDir, 'metadata');
    this.stagingDir = join(this.rootDir, 'staging');
  }

  /** The settings this store was made with (storageEnvOf turns them into another process's environment). */
  storageConfig(): StorageConfig {
    return { driver: 'filesystem', artifactDir: this.rootDir };
  }

  protected async putObject(key: string, body: ArtifactBody, options: PutOptions): Promise<PutResult> {
    const target = this.objectPath(key);
    // Fails fast before streaming what may be gigabytes; link() below is what actually decides.
    if (await isFile(target)) throw new ArtifactExistsError(key);

    await this.prepareStaging();
    const stagingFile = join(this.stagingDir, `${randomUUID()}.partial`);
    try {
      const digest = await writeDurably(stagingFile, body);
      await this.linkCreateOnly(key, stagingFile, target);
      const sha256 = digest.sha256();
      await this.writeMetadata(key, { sha256, contentType: options.contentType ?? DEFAULT_CONTENT_TYPE });
      return { key, size: digest.size, sha256 };
    } finally {
      await rm(stagingFile, { force: true });
    }
  }

  protected async getObject(key: string): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.objectPath(key), 'r');
    } catch (error) {
      throw notFoundOr(error, key);
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ArtifactNotFoundError(key);
    }
    return handle.createReadStream();
  }

  protected async statObject(key: string): Promise<ArtifactStat> {
    let stats;
    try {
      stats = await stat(this.objectPath(key));
    } catch (error) {
      throw notFoundOr(error, key);
    }
    if (!stats.isFile()) throw new ArtifactNotFoundError(key);
    const metadata = await this.readMetadata(key);
    return {
      key,
      size: stats.size,
      // Built here rather than taken from fs.Stats, whose Dates fail `instanceof Date` inside vm
      // contexts such as Jest's.
      lastModified: new Date(stats.mtimeMs),
      sha256: metadata?.sha256,
      contentType: metadata?.contentType ?? DEFAULT_CONTENT_TYPE,
    };
  }

  protected async *listObjects(prefix: string): AsyncIterable<ArtifactListing> {
    // Start from the deepest directory the prefix names; its last segment is a partial name.
    const lastSlash = prefix.lastIndexOf('/');
    yield* this.walk(lastSlash >= 0 ? prefix.slice(0, lastSlash) : '', prefix);
  }

  protected async deleteObject(key: string): Promise<void> {
    try {
      await unlink(this.objectPath(key));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EISDIR/EPERM: the key names a directory of other keys, which is not an object to delete.
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR' && code !== 'EPERM') throw error;
    }
    await rm(this.metadataPath(key), { force: true });
  }

  /** A file URL cannot expire; embedded mode runs on one machine, where the reader is trusted anyway. */
  protected async presignObject(key: string): Promise<string> {
    await this.statObject(key);
    return pathToFileURL(this.objectPath(key)).href;
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.rootDir, { recursive: true });
      await access(this.rootDir, fsConstants.R_OK | fsConstants.W_OK);
    } catch (error) {
      throw new StorageUnavailableError(`artifact directory ${this.rootDir} is not writable: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private async linkCreateOnly(key: string, stagingFile: string, target: string): Promise<void> {
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new InvalidArtifactKeyError(key, 'a parent path is an existing object; the filesystem store cannot hold both a key and keys under it');
      }
      throw error;
    }
    try {
      await link(stagingFile, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isFile(target)) throw new ArtifactExistsError(key, 'another writer created it first');
      throw new InvalidArtifactKeyError(key, 'other keys already live under it; the filesystem store cannot hold both a key and keys under it');
    }
    // The new directory entry is the commit; without syncing the directory a crash could lose it.
    await syncDirectory(dirname(target));
  }

  private async writeMetadata(key: string, metadata: ObjectMetadata): Promise<void> {
    const target = this.metadataPath(key);
    const stagingFile = join(this.stagingDir, `${randomUUID()}.metadata`);
    try {
      await writeDurably(stagingFile, JSON.stringify(metadata));
      await mkdir(dirname(target), { recursive: true });
      // Only the writer that won the object's link gets here, so replacing is safe and makes a retry
      // after a crash between link and metadata converge.
      await rename(stagingFile, target);
    } finally {
      await rm(stagingFile, { force: true });
    }
  }

  private async readMetadata(key: string): Promise<ObjectMetadata | undefined> {
    try {
      return JSON.parse(await readFile(this.metadataPath(key), 'utf8')) as ObjectMetadata;
    } catch (error) {
      // A writer killed between linking the object and writing its sidecar leaves no metadata;
      // the object is still whole, its sha256 is just not recorded.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private async *walk(directory: string, prefix: string): AsyncIterable<ArtifactListing> {
    let entries;
    try {
      entries = await readdir(join(this.objectsDir, directory), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const key = directory ? `${directory}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(key, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        try {
          const stats = await stat(join(this.objectsDir, key));
          yield { key, size: stats.size, lastModified: new Date(stats.mtimeMs) };
        } catch (error) {
          // Deleted between readdir and stat: it is simply no longer there.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    }
  }

  /** Creates the staging directory once and clears what killed writers left there. */
  private prepareStaging(): Promise<void> {
    this.stagingReady ??= (async () => {
      await mkdir(this.stagingDir, { recursive: true });
      const cutoff = Date.now() - STALE_STAGING_AGE_MS;
      for (const name of await readdir(this.stagingDir)) {
        const file = join(this.stagingDir, name);
        const stats = await stat(file).catch(() => undefined);
        if (stats && stats.mtimeMs < cutoff) await rm(file, { force: true });
      }
    })().catch((error: unknown) => {
      this.stagingReady = undefined;
      throw error;
    });
    return this.stagingReady;
  }

  private objectPath(key: string): string {
    return this.within(this.objectsDir, key);
  }

  private metadataPath(key: string): string {
    return this.within(this.metadataDir, key);
  }

  /** Keys are validated before they get here; this is the second line against escaping the root. */
  private within(base: string, key: string): string {
    const path = join(base, ...key.split('/'));
    if (!path.startsWith(base + sep)) throw new InvalidArtifactKeyError(key, 'resolves outside the artifact directory');
    return path;
  }
}

/** Streams the body into a new file and fsyncs it, returning what was written. */
async function writeDurably(file: string, body: ArtifactBody): Promise<ContentDigest> {
  const digest = new ContentDigest();
  const handle = await open(file, 'wx');
  try {
    for await (const chunk of bodyChunks(body)) {
      digest.update(chunk);
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return digest;
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

function notFoundOr(error: unknown, key: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return new ArtifactNotFoundError(key);
  return error;
}
