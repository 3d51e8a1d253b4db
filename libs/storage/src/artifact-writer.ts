import type { ArtifactBody, ArtifactStore, PutOptions } from './artifact-store';
import {
  assertValidArtifactFilePath,
  MANIFEST_FILE_NAME,
  manifestKey,
  normalizeArtifactPrefix,
  type ArtifactFileEntry,
  type ArtifactManifest,
} from './artifact-manifest';
import { ArtifactExistsError } from './errors';

export interface BeginArtifactOptions {
  kind: string;
  metadata?: Record<string, unknown>;
  /**
   * Delete files that an earlier, uncommitted attempt left under the prefix (a writer killed
   * mid-way). Only for a caller that owns the prefix, such as the retry of its own task: it would
   * also delete the files of a concurrent writer.
   */
  replaceUncommitted?: boolean;
}

/**
 * Writes a multi-file artifact: each file create-only under the prefix, then MANIFEST.json last as
 * the commit marker. Files may be added concurrently.
 */
export class ArtifactWriter {
  private readonly files = new Map<string, ArtifactFileEntry>();
  private pending = 0;
  private committed = false;

  private constructor(
    private readonly store: ArtifactStore,
    readonly prefix: string,
    private readonly options: BeginArtifactOptions,
  ) {}

  /** Refuses a prefix that is already committed, or that holds an earlier attempt's files unless told to replace them. */
  static async begin(store: ArtifactStore, prefix: string, options: BeginArtifactOptions): Promise<ArtifactWriter> {
    const normalized = normalizeArtifactPrefix(prefix);
    if (!options.kind) throw new TypeError('an artifact needs a kind (checkpoint, model, report, ...)');
    if (await store.exists(manifestKey(normalized))) throw new ArtifactExistsError(normalized, 'it is already committed');
    const leftovers = await uncommittedFilesUnder(store, normalized);
    if (leftovers.length > 0) {
      if (!options.replaceUncommitted) {
        throw new ArtifactExistsError(
          normalized,
          `it holds ${leftovers.length} file(s) of an uncommitted earlier attempt; begin with replaceUncommitted if this writer owns the prefix`,
        );
      }
      for (const key of leftovers) await store.delete(key);
    }
    return new ArtifactWriter(store, normalized, options);
  }

  async addFile(path: string, body: ArtifactBody, options?: PutOptions): Promise<ArtifactFileEntry> {
    assertValidArtifactFilePath(path);
    if (this.committed) throw new Error(`artifact '${this.prefix}' is already committed; it cannot take more files`);
    if (this.files.has(path)) throw new ArtifactExistsError(`${this.prefix}/${path}`, 'added twice to the same artifact');
    this.pending += 1;
    try {
      const { size, sha256 } = await this.store.put(`${this.prefix}/${path}`, body, options);
      const entry = { path, size, sha256 };
      this.files.set(path, entry);
      return entry;
    } finally {
      this.pending -= 1;
    }
  }

  /** Writes MANIFEST.json; from then on readers see the artifact. */
  async commit(): Promise<ArtifactManifest> {
    if (this.committed) throw new Error(`artifact '${this.prefix}' is already committed`);
    if (this.pending > 0) throw new Error(`artifact '${this.prefix}' still has ${this.pending} file(s) being written; await them before commit()`);
    const manifest: ArtifactManifest = {
      formatVersion: 1,
      kind: this.options.kind,
      createdAt: new Date().toISOString(),
      files: [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      ...(this.options.metadata !== undefined && { metadata: this.options.metadata }),
    };
    await this.store.put(manifestKey(this.prefix), `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
    this.committed = true;
    return manifest;
  }
}

/**
 * Keys under the prefix that belong to no committed artifact. Committed artifacts nested inside
 * (checkpoints under a run) are artifacts of their own, never leftovers to clear away.
 */
async function uncommittedFilesUnder(store: ArtifactStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list(`${prefix}/`)) keys.push(entry.key);
  const nestedArtifacts = keys.filter((key) => key.endsWith(`/${MANIFEST_FILE_NAME}`)).map((key) => key.slice(0, -MANIFEST_FILE_NAME.length));
  return keys.filter((key) => !nestedArtifacts.some((nested) => key.startsWith(nested)));
}
