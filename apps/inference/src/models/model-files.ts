import { artifactManifestSchema, downloadArtifact, MANIFEST_FILE_NAME, ModelRegistry, type ArtifactManifest, type ArtifactStore, type ModelRecords } from '@tuneforge/storage';
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
  /**
   * Set when the name is served as a LoRA adapter over a shared base (multi-LoRA): `contentKey` and `dir` are then the
   * adapter's, and this is the base model's artifact, loaded once for every tuned model over it.
   */
  base?: { contentKey: string; dir: string };
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
    /** Fine-tuned and checkpoint model names (the metadata database's `models`). */
    private readonly records: ModelRecords,
    private readonly cacheDir: string,
  ) {}

  async resolve(tenant: string, name: string): Promise<ResolvedModel> {
    const tenantStore = this.store.forTenant(tenant);
    const known = await ModelRegistry.forTenant(this.store, tenant, this.records).resolve(name);
    if (!known) throw new ModelNotFoundError(name);
    // A fine-tuned model with a LoRA adapter is served as that adapter over its base, unmerged, so that every tuned
    // model of one base shares the base's weights and batches; one without (full fine-tuning), or whose adapter
    // grew the vocabulary (modules_to_save), is served from its merged artifact.
    if (known.adapter && known.baseArtifact) {
      const adapter = await this.fetch(tenantStore, known.adapter);
      if (await sharesBase(adapter.dir)) return { name, ...adapter, base: await this.fetch(tenantStore, known.baseArtifact) };
    }
    return { name, ...(await this.fetch(tenantStore, known.artifact)) };
  }

  private async fetch(tenantStore: ArtifactStore, artifact: string): Promise<{ contentKey: string; dir: string }> {
    const manifest = await tenantStore.getJson(`${artifact}/${MANIFEST_FILE_NAME}`, artifactManifestSchema);
    const contentKey = contentKeyOf(manifest);
    const dir = join(this.cacheDir, contentKey);
    await this.download(contentKey, dir, tenantStore, artifact);
    return { contentKey, dir };
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

/**
 * Whether a PEFT adapter directory can be a slot over its base: a LoRA adapter without modules_to_save (an adapter
 * saved after the vocabulary grew holds the embedding and LM head whole, which a shared base cannot take).
 */
export async function sharesBase(adapterDir: string): Promise<boolean> {
  const config = await readJsonFile<{ peft_type?: string; modules_to_save?: unknown[] | null }>(join(adapterDir, 'adapter_config.json')).catch(() => undefined);
  if (!config || config.peft_type !== 'LORA') return false;
  return !config.modules_to_save || config.modules_to_save.length === 0;
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
