import type { Logger } from '@tuneforge/telemetry';
import { ServedModel, type SchedulerLoad, type ServingLimits } from '@tuneforge/serving';
import { OverloadedError } from '../errors/inference-errors';
import type { ModelFiles } from './model-files';
import { estimateServingBytes } from './serving-memory';

/** A model in use by one request: released when the request has its answer (or has gone). */
export interface ModelLease {
  model: ServedModel;
  /** The name the request asked for. */
  name: string;
  release(): void;
}

interface Entry {
  bytes: number;
  loading: Promise<ServedModel>;
  model?: ServedModel;
  leases: number;
  lastUsed: number;
}

const RETRY_AFTER_SECONDS = 5;

/**
 * The models loaded on this instance, within a memory budget: a request leases its model (loading it the first
 * time, one load per model however many ask at once), and room for a new model is made by unloading the least
 * recently used models that no request holds. When the busy ones leave no room, the request is refused with a 503
 * and retry-after, rather than overcommitting memory.
 */
export class LoadedModels {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;

  constructor(
    private readonly files: ModelFiles,
    private readonly budgetBytes: number,
    private readonly limits: ServingLimits,
    private readonly logger: Logger,
  ) {}

  /** Bytes the loaded (and loading) models are counted for. */
  get usedBytes(): number {
    let used = 0;
    for (const entry of this.entries.values()) used += entry.bytes;
    return used;
  }

  /** Sequences running and waiting over every loaded model, and how many were cancelled by clients that left. */
  get sequences(): SchedulerLoad {
    const total: SchedulerLoad = { running: 0, waiting: 0, cancelled: 0 };
    for (const { model } of this.entries.values()) {
      if (!model) continue;
      const { running, waiting, cancelled } = model.scheduler.load;
      total.running += running;
      total.waiting += waiting;
      total.cancelled += cancelled;
    }
    return total;
  }

  async acquire(tenant: string, name: string): Promise<ModelLease> {
    const resolved = await this.files.resolve(tenant, name);
    let entry = this.entries.get(resolved.contentKey);
    if (!entry) {
      const bytes = await estimateServingBytes(resolved.dir, this.limits);
      // Looked up again: another request may have started the same load while this one read the files.
      entry = this.entries.get(resolved.contentKey) ?? this.startLoading(resolved.contentKey, resolved.dir, bytes);
    }
    entry.leases++;
    entry.lastUsed = ++this.clock;
    try {
      const model = await entry.loading;
      let released = false;
      const held = entry;
      return {
        model,
        name,
        release: () => {
          if (released) return;
          released = true;
          held.leases--;
          held.lastUsed = ++this.clock;
        },
      };
    } catch (error) {
      entry.leases--;
      throw error;
    }
  }

  /** Nest calls it when the service shuts down: every model and its session is freed. */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => entry.loading.then((model) => model.dispose()).catch(() => undefined)));
  }

  private startLoading(contentKey: string, dir: string, bytes: number): Entry {
    if (bytes > this.budgetBytes) {
      throw new OverloadedError(`The model needs about ${bytes} bytes to serve, more than this server's memory budget of ${this.budgetBytes} bytes (TF_INFERENCE_MEMORY_BUDGET_BYTES).`, RETRY_AFTER_SECONDS);
    }
    const evicted = this.makeRoom(bytes);
    if (this.usedBytes + bytes > this.budgetBytes) {
      throw new OverloadedError('Every loaded model is in use and the model asked for does not fit beside them; try again shortly.', RETRY_AFTER_SECONDS);
    }
    const entry = { bytes, leases: 0, lastUsed: ++this.clock } as Entry;
    entry.loading = this.load(entry, contentKey, dir, evicted);
    entry.loading.catch(() => {
      if (this.entries.get(contentKey) === entry) this.entries.delete(contentKey);
    });
    this.entries.set(contentKey, entry);
    return entry;
  }

  private async load(entry: Entry, contentKey: string, dir: string, evicted: readonly ServedModel[]): Promise<ServedModel> {
    // The evicted models' memory is given back before this one takes its own.
    await Promise.all(evicted.map((model) => model.dispose()));
    const model = await ServedModel.load(dir, this.limits);
    entry.model = model;
    this.logger.info({ model: contentKey, bytes: entry.bytes, usedBytes: this.usedBytes }, 'model loaded for serving');
    return model;
  }

  /** Unloads idle models, least recently used first, until `bytes` more fit the budget; returns them to dispose. */
  private makeRoom(bytes: number): ServedModel[] {
    const evicted: ServedModel[] = [];
    const idle = [...this.entries].filter(([, entry]) => entry.model && entry.leases === 0 && !entry.model.busy).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of idle) {
      if (this.usedBytes + bytes <= this.budgetBytes) break;
      this.entries.delete(key);
      evicted.push(entry.model!);
      this.logger.info({ model: key, bytes: entry.bytes }, 'model unloaded to make room (least recently used)');
    }
    return evicted;
  }
}
