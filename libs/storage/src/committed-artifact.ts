import type { Readable } from 'node:stream';
import type { ArtifactStore } from './artifact-store';
import {
  artifactManifestSchema,
  manifestKey,
  normalizeArtifactPrefix,
  type ArtifactFileEntry,
  type ArtifactManifest,
} from './artifact-manifest';
import { verifyDigest } from './digest-verifying-stream';
import { ArtifactIntegrityError, ArtifactNotCommittedError, ArtifactNotFoundError } from './errors';

/** Files checked at once when opening an artifact; checkpoints can hold hundreds of shards. */
const STAT_CONCURRENCY = 16;

/**
 * Opens a multi-file artifact for reading. Refuses it with ArtifactNotCommittedError when it has no
 * manifest, and with ArtifactIntegrityError when a file the manifest lists is missing or has another
 * size or recorded sha256.
 */
export async function openArtifact(store: ArtifactStore, prefix: string): Promise<CommittedArtifact> {
  const normalized = normalizeArtifactPrefix(prefix);
  let manifest: ArtifactManifest;
  try {
    manifest = await store.getJson(manifestKey(normalized), artifactManifestSchema);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) throw new ArtifactNotCommittedError(normalized);
    throw error;
  }
  const artifact = new CommittedArtifact(store, normalized, manifest);
  for (let start = 0; start < manifest.files.length; start += STAT_CONCURRENCY) {
    await Promise.all(manifest.files.slice(start, start + STAT_CONCURRENCY).map((file) => artifact.verifyPresent(file)));
  }
  return artifact;
}

export class CommittedArtifact {
  private readonly filesByPath: Map<string, ArtifactFileEntry>;

  constructor(
    private readonly store: ArtifactStore,
    readonly prefix: string,
    readonly manifest: ArtifactManifest,
  ) {
    this.filesByPath = new Map(manifest.files.map((file) => [file.path, file]));
  }

  /** The manifest's entry for `path`; ArtifactNotFoundError if the artifact does not list it. */
  file(path: string): ArtifactFileEntry {
    const entry = this.filesByPath.get(path);
    if (!entry) throw new ArtifactNotFoundError(this.keyOf(path));
    return entry;
  }

  /** Streams a file; the stream fails at its end if the bytes do not match the manifest. */
  async openFile(path: string): Promise<Readable> {
    const entry = this.file(path);
    const key = this.keyOf(path);
    return verifyDigest(await this.store.get(key), key, entry);
  }

  /** Reads a small file whole, verified against the manifest. */
  async readFile(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.openFile(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async verifyPresent(file: ArtifactFileEntry): Promise<void> {
    const key = this.keyOf(file.path);
    let stat;
    try {
      stat = await this.store.stat(key);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) throw new ArtifactIntegrityError(this.prefix, `its manifest lists '${file.path}', which is missing`);
      throw error;
    }
    if (stat.size !== file.size) {
      throw new ArtifactIntegrityError(this.prefix, `'${file.path}' has ${stat.size} bytes, the manifest records ${file.size}`);
    }
    if (stat.sha256 !== undefined && stat.sha256 !== file.sha256) {
      throw new ArtifactIntegrityError(this.prefix, `'${file.path}' has sha256 ${stat.sha256}, the manifest records ${file.sha256}`);
    }
  }

  private keyOf(path: string): string {
    return `${this.prefix}/${path}`;
  }
}
