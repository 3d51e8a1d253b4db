import type { RunnableConfig } from '@langchain/core/runnables';
import { BaseCheckpointSaver, type Checkpoint, type CheckpointMetadata, type CheckpointTuple } from '@langchain/langgraph';
import { ArtifactExistsError, ArtifactNotFoundError, type ArtifactStore } from '@tuneforge/storage';

type PendingWrite = Parameters<BaseCheckpointSaver['putWrites']>[1][number];
type CheckpointPendingWrite = NonNullable<CheckpointTuple['pendingWrites']>[number];
type ListOptions = Parameters<BaseCheckpointSaver['list']>[1];

/**
 * LangGraph's special channels and the negative write indices its savers give them (WRITES_IDX_MAP in
 * @langchain/langgraph-checkpoint, not re-exported by @langchain/langgraph): a special write replaces the
 * previous one of its task, a regular write is kept once (the first one wins).
 */
const SPECIAL_WRITE_INDEX: Record<string, number> = { __error__: -1, __scheduled__: -2, __interrupt__: -3, __resume__: -4 };

interface StoredCheckpoint {
  checkpoint: SerializedValue;
  metadata: SerializedValue;
  parentId: string | null;
}

interface StoredWrite {
  taskId: string;
  channel: string;
  value: SerializedValue;
}

interface SerializedValue {
  type: string;
  base64: string;
}

/** Checkpoint namespaces hold `|` and `:` (subgraphs): one key segment, readable for the root namespace. */
function namespaceSegment(ns: string): string {
  return ns === '' ? 'root' : `ns-${Buffer.from(ns, 'utf8').toString('base64url')}`;
}

function namespaceOf(segment: string): string {
  return segment === 'root' ? '' : Buffer.from(segment.slice(3), 'base64url').toString('utf8');
}

function hex(value: string): string {
  return Buffer.from(value, 'utf8').toString('hex');
}

/**
 * The workflow's durable checkpointer, on the project's own ArtifactStore (filesystem in embedded mode,
 * MinIO in distributed mode), so a restarted orchestrator finds every job's graph where it stopped.
 *
 * Layout under `root` (keys are create-only; a checkpoint is one object, written whole):
 *   `<thread>/<ns>/checkpoints/<checkpoint id>.json`                       checkpoint, metadata, parent id
 *   `<thread>/<ns>/writes/<checkpoint id>/<hex task id>/<index>.json`      one pending write
 * Checkpoint ids are uuid6 (time-ordered), so the newest is the greatest key.
 */
export class ArtifactStoreCheckpointer extends BaseCheckpointSaver {
  constructor(
    private readonly store: ArtifactStore,
    private readonly root = 'orchestrator/checkpoints',
  ) {
    super();
  }

  /** Every thread with at least one checkpoint (the orchestrator resumes the unfinished ones at start). */
  async threadIds(): Promise<string[]> {
    const threads = new Set<string>();
    for await (const entry of this.store.list(`${this.root}/`)) threads.add(entry.key.slice(this.root.length + 1).split('/')[0]);
    return [...threads].map((h) => Buffer.from(h, 'hex').toString('utf8')).sort();
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = requireThread(config);
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    let checkpointId = config.configurable?.checkpoint_id as string | undefined;
    if (!checkpointId) {
      const ids = await this.checkpointIds(threadId, ns);
      checkpointId = ids[0];
      if (!checkpointId) return undefined;
    }
    return this.load(threadId, ns, checkpointId);
  }

  async *list(config: RunnableConfig, options?: ListOptions): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options ?? {};
    let limit = options?.limit;
    const threads = config.configurable?.thread_id ? [String(config.configurable.thread_id)] : await this.threadIds();
    const wantedNs = config.configurable?.checkpoint_ns as string | undefined;
    const wantedId = config.configurable?.checkpoint_id as string | undefined;
    const beforeId = before?.configurable?.checkpoint_id as string | undefined;
    for (const threadId of threads) {
      for (const ns of await this.namespaces(threadId)) {
        if (wantedNs !== undefined && ns !== wantedNs) continue;
        for (const id of await this.checkpointIds(threadId, ns)) {
          if (wantedId && id !== wantedId) continue;
          if (beforeId && id >= beforeId) continue;
          const tuple = await this.load(threadId, ns, id);
          if (!tuple) continue;
          const metadata = (tuple.metadata ?? {}) as Record<string, unknown>;
          if (filter && !Object.entries(filter).every(([k, v]) => metadata[k] === v)) continue;
          if (limit !== undefined) {
            if (limit <= 0) return;
            limit -= 1;
          }
          yield tuple;
        }
      }
    }
  }

  async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    const threadId = requireThread(config);
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const stored: StoredCheckpoint = {
      checkpoint: await this.serialize(checkpoint),
      metadata: await this.serialize(metadata),
      parentId: (config.configurable?.checkpoint_id as string | undefined) ?? null,
    };
    await this.putOnce(`${this.base(threadId, ns)}/checkpoints/${checkpoint.id}.json`, JSON.stringify(stored));
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const threadId = requireThread(config);
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const checkpointId = config.configurable?.checkpoint_id as string | undefined;
    if (!checkpointId) throw new Error('cannot store writes: the config names no checkpoint_id');
    const dir = `${this.base(threadId, ns)}/writes/${checkpointId}/${hex(taskId)}`;
    await Promise.all(
      writes.map(async ([channel, value], idx) => {
        const index = SPECIAL_WRITE_INDEX[channel] ?? idx;
        const key = `${dir}/${index < 0 ? `s${-index}` : String(index).padStart(6, '0')}.json`;
        const body = JSON.stringify({ taskId, channel, value: await this.serialize(value) } satisfies StoredWrite);
        if (index < 0) await this.store.delete(key);
        await this.putOnce(key, body);
      }),
    );
  }

  async deleteThread(threadId: string): Promise<void> {
    const keys: string[] = [];
    for await (const entry of this.store.list(`${this.root}/${hex(threadId)}/`)) keys.push(entry.key);
    for (const key of keys) await this.store.delete(key);
  }

  private base(threadId: string, ns: string): string {
    return `${this.root}/${hex(threadId)}/${namespaceSegment(ns)}`;
  }

  private async namespaces(threadId: string): Promise<string[]> {
    const prefix = `${this.root}/${hex(threadId)}/`;
    const segments = new Set<string>();
    for await (const entry of this.store.list(prefix)) segments.add(entry.key.slice(prefix.length).split('/')[0]);
    return [...segments].map(namespaceOf);
  }

  /** Newest first. */
  private async checkpointIds(threadId: string, ns: string): Promise<string[]> {
    const prefix = `${this.base(threadId, ns)}/checkpoints/`;
    const ids: string[] = [];
    for await (const entry of this.store.list(prefix)) ids.push(entry.key.slice(prefix.length).replace(/\.json$/, ''));
    return ids.sort((a, b) => b.localeCompare(a));
  }

  private async load(threadId: string, ns: string, checkpointId: string): Promise<CheckpointTuple | undefined> {
    let stored: StoredCheckpoint;
    try {
      stored = (await this.store.getJson(`${this.base(threadId, ns)}/checkpoints/${checkpointId}.json`)) as StoredCheckpoint;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
    const writesPrefix = `${this.base(threadId, ns)}/writes/${checkpointId}/`;
    const writeKeys: string[] = [];
    for await (const entry of this.store.list(writesPrefix)) writeKeys.push(entry.key);
    writeKeys.sort();
    const pendingWrites: CheckpointPendingWrite[] = [];
    for (const key of writeKeys) {
      const write = (await this.store.getJson(key)) as StoredWrite;
      pendingWrites.push([write.taskId, write.channel, await this.deserialize(write.value)]);
    }
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpointId } },
      checkpoint: (await this.deserialize(stored.checkpoint)) as Checkpoint,
      metadata: (await this.deserialize(stored.metadata)) as CheckpointMetadata,
      pendingWrites,
    };
    if (stored.parentId) tuple.parentConfig = { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: stored.parentId } };
    return tuple;
  }

  /** Create-only: the same checkpoint or write stored again (a retried step) keeps the first copy. */
  private async putOnce(key: string, body: string): Promise<void> {
    try {
      await this.store.put(key, body, { contentType: 'application/json' });
    } catch (error) {
      if (!(error instanceof ArtifactExistsError)) throw error;
    }
  }

  private async serialize(value: unknown): Promise<SerializedValue> {
    const [type, bytes] = await this.serde.dumpsTyped(value);
    return { type, base64: Buffer.from(bytes).toString('base64') };
  }

  private deserialize(value: SerializedValue): Promise<unknown> {
    return this.serde.loadsTyped(value.type, new Uint8Array(Buffer.from(value.base64, 'base64')));
  }
}

function requireThread(config: RunnableConfig): string {
  const threadId = config.configurable?.thread_id as string | undefined;
  if (!threadId) throw new Error('the graph config names no thread_id (the job id)');
  return String(threadId);
}
