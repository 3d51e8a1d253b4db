import { artifactManifestSchema, downloadArtifact, MANIFEST_FILE_NAME, ModelRegistry, type ArtifactManifest, type ArtifactStore } from '@tuneforge/storage';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelNotFoundError } from '../errors/inference-errors';

/** A model name resolved for a tenant: the artifact it serves and where its files are on this machine. */
export interface ResolvedModel {
  /** The name the request used, which the response repeats. */
  name: string;
  /**
   * The artifact's content (its files' sha256s): two names, or two tenants, whose artifacts hold the same bytes
   * share one download and one loaded copy. Nothing is revealed by that: each request resolved its name itself.
   */
  contentKey: string;
  dir: string;
}

/**
 * Resolves model names through the tenant's model registry (base names and `ft:` names alike; another tenant's
 * model is unknown here) and keeps each artifact's files in a local directory, downloaded once, verified against
 * the manifest as they stream, and renamed into place whole so no reader sees half a model.
 */
export class ModelFiles {
  private readonly downloads = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ArtifactStore,
    private readonly cacheDir: string,
  ) {}

  async resolve(tenant: string, name: string): Promise<ResolvedModel> {
    const tenantStore = this.store.forTenant(tenant);
    const known = await ModelRegistry.forTenant(this.store, tenant).resolve(name);
    if (!known) throw new ModelNotFoundError(name);
    // A fine-tuned model is served from its merged artifact; adapters over a shared base come later.
    const manifest = await tenantStore.getJson(`${known.artifact}/${MANIFEST_FILE_NAME}`, artifactManifestSchema);
    const contentKey = contentKeyOf(manifest);
    const dir = join(this.cacheDir, contentKey);
    await this.download(contentKey, dir, tenantStore, known.artifact);
    return { name, contentKey, dir };
  }

  /** The directory exists only once complete: files go to a partial directory first, renamed into place. */
  private async download(contentKey: string, dir: string, tenantStore: ArtifactStore, artifact: string): Promise<void> {
    if (existsSync(dir)) return;
    let running = this.downloads.get(contentKey);
    if (!running) {
      running = (async () => {
        const partial = `${dir}.partial-${randomBytes(6).toString('hex')}`;
        try {
          await downloadArtifact(tenantStore, artifact, partial);
          await rename(partial, dir);
        } catch (error) {
          await rm(partial, { recursive: true, force: true });
          // Another process on this machine finished the same download first: its copy is the same bytes.
          if (!existsSync(dir)) throw error;
        }
      })().finally(() => this.downloads.delete(contentKey));
      this.downloads.set(contentKey, running);
    }
    await running;
  }
}

function contentKeyOf(manifest: ArtifactManifest): string {
  const files = [...manifest.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((file) => `${file.path}\0${file.sha256}`);
  return createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 32);
}

/** Bytes of the named files of a model directory. */
export async function filesBytes(dir: string, names: readonly string[]): Promise<number> {
  let total = 0;
  for (const name of names) total += (await stat(join(dir, name))).size;
  return total;
}

export async function readJsonFile<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
