import type { Logger } from '@tuneforge/telemetry';
import { ServedModel, type SchedulerLoad, type ServingLimits } from '@tuneforge/serving';
import { OverloadedError } from '../errors/inference-errors';
import type { ModelFiles, ResolvedModel } from './model-files';
import { estimateAdapterBytes, estimateServingBytes } from './serving-memory';

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
  /**
   * A tuned model served as a LoRA slot of a loaded base: the base's entry key. Counted by the adapter's own bytes;
   * a slot cannot leave its base, so it is unloaded only with the base (which its leases hold).
   */
  base?: string;
}

const RETRY_AFTER_SECONDS = 5;

/**
 * The models loaded on this instance, within a memory budget: a request leases its model (loading it the first
 * time, one load per model however many ask at once), and room for a new model is made by unloading the least
 * recently used models that no request holds. When the busy ones leave no room, the request is refused with a 503
 * and retry-after, rather than overcommitting memory. A tuned model with a LoRA adapter (ModelFiles' `base`) is
 * served as a slot of its base's model, loaded once: every tuned model of that base (and the base itself) shares
 * its weights and decode session, and batches with the others.
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
    for (const { model, base } of this.entries.values()) {
      if (!model || base) continue; // an adapter's sequences are its base session's
      const { running, waiting, cancelled } = model.scheduler.load;
      total.running += running;
      total.waiting += waiting;
      total.cancelled += cancelled;
    }
    return total;
  }

  async acquire(tenant: string, name: string): Promise<ModelLease> {
    const resolved = await this.files.resolve(tenant, name);
    if (resolved.base) return this.acquireAdapter(resolved, resolved.base);
    const entry = await this.hold(resolved.contentKey, () => estimateServingBytes(resolved.dir, this.limits), (bytes) => this.startLoading(resolved.contentKey, resolved.dir, bytes));
    return this.lease(entry, name);
  }

  /** The base is leased for as long as the adapter is: neither can be unloaded under a request. */
  private async acquireAdapter(resolved: ResolvedModel, base: { contentKey: string; dir: string }): Promise<ModelLease> {
    const baseEntry = await this.hold(base.contentKey, () => estimateServingBytes(base.dir, this.limits), (bytes) => this.startLoading(base.contentKey, base.dir, bytes));
    const baseLease = await this.lease(baseEntry, resolved.name);
    try {
      const key = `${base.contentKey}+${resolved.contentKey}`;
      const entry = await this.hold(key, () => estimateAdapterBytes(resolved.dir), (bytes) => this.startAdapter(key, base.contentKey, baseEntry, resolved.dir, bytes));
      const lease = await this.lease(entry, resolved.name);
      return {
        model: lease.model,
        name: resolved.name,
        release: () => {
          lease.release();
          baseLease.release();
        },
      };
    } catch (error) {
      baseLease.release();
      throw error;
    }
  }

  /** The entry for `key`, started when there is none, with one more lease taken on it (in the same turn). */
  private async hold(key: string, estimate: () => Promise<number>, start: (bytes: number) => Entry): Promise<Entry> {
    let entry = this.entries.get(key);
    if (!entry) {
      const bytes = await estimate();
      // Looked up again: another request may have started the same load while this one read the files.
      entry = this.entries.get(key) ?? start(bytes);
    }
    entry.leases++;
    entry.lastUsed = ++this.clock;
    return entry;
  }

  /** Waits for a held entry's model; the lease (taken by hold) is given back by release, or here on failure. */
  private async lease(entry: Entry, name: string): Promise<ModelLease> {
    try {
      const model = await entry.loading;
      let released = false;
      return {
        model,
        name,
        release: () => {
          if (released) return;
          released = true;
          entry.leases--;
          entry.lastUsed = ++this.clock;
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
    const evicted = this.reserve(bytes);
    const entry = { bytes, leases: 0, lastUsed: ++this.clock } as Entry;
    entry.loading = this.load(entry, contentKey, dir, evicted);
    this.track(contentKey, entry);
    return entry;
  }

  /** An adapter's slot in its (held) base's model. */
  private startAdapter(key: string, baseKey: string, baseEntry: Entry, dir: string, bytes: number): Entry {
    const evicted = this.reserve(bytes);
    const entry = { bytes, leases: 0, lastUsed: ++this.clock, base: baseKey } as Entry;
    entry.loading = (async () => {
      await Promise.all(evicted.map((model) => model.dispose()));
      const { model, bytes: slotBytes } = await (await baseEntry.loading).addAdapter(dir);
      entry.bytes = slotBytes;
      entry.model = model;
      this.logger.info({ model: key, bytes: entry.bytes, usedBytes: this.usedBytes, slot: model.loraSlot }, 'adapter served over its loaded base');
      return model;
    })();
    this.track(key, entry);
    return entry;
  }

  private track(key: string, entry: Entry): void {
    entry.loading.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.set(key, entry);
  }

  /** Makes room for `bytes` more within the budget, or refuses; returns the unloaded models to dispose. */
  private reserve(bytes: number): ServedModel[] {
    if (bytes > this.budgetBytes) {
      throw new OverloadedError(`The model needs about ${bytes} bytes to serve, more than this server's memory budget of ${this.budgetBytes} bytes (TF_INFERENCE_MEMORY_BUDGET_BYTES).`, RETRY_AFTER_SECONDS);
    }
    const evicted = this.makeRoom(bytes);
    if (this.usedBytes + bytes > this.budgetBytes) {
      throw new OverloadedError('Every loaded model is in use and the model asked for does not fit beside them; try again shortly.', RETRY_AFTER_SECONDS);
    }
    return evicted;
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
    // Adapter slots go with their base (an idle base has no adapter request either: those lease the base too).
    const idle = [...this.entries].filter(([, entry]) => !entry.base && entry.model && entry.leases === 0 && !entry.model.busy).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of idle) {
      if (this.usedBytes + bytes <= this.budgetBytes) break;
      this.entries.delete(key);
      for (const [slotKey, slot] of [...this.entries]) if (slot.base === key) this.entries.delete(slotKey);
      evicted.push(entry.model!);
      this.logger.info({ model: key, bytes: entry.bytes }, 'model unloaded to make room (least recently used)');
    }
    return evicted;
  }
}
