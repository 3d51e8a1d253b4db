import type { MessageOf } from '@tuneforge/contracts';
import { ArtifactExistsError, ArtifactNotFoundError, type ArtifactStore } from '@tuneforge/storage';
import type { TaskTopic } from './task-work';

const REQUEST = 'request.json';

/** A task recorded in the store whose holder has not shown a sign of life for too long. */
export interface OrphanedTask {
  /** Where its records live. */
  dir: string;
  /** The newest sign of life (the request or a heartbeat), in ms since the epoch; the claim is made on it. */
  lastSeen: number;
}

/** Where one task's records live under a service's records root. Tenant ids and task ids are key-safe by their schemas. */
export function taskRecordsDir(root: string, tenant: string, taskId: string): string {
  return `${root}${tenant}/${taskId}`;
}

/**
 * Background tasks accepted but not answered yet, recorded in the (root) store under `<root><tenant>/<taskId>/`
 * so that a task survives the process that queued it: the request as it arrived, heartbeats of the instance
 * holding it (one new key per beat, older ones removed afterwards, so there is always one to read), and
 * claims. Recording a delivered task is itself a create-only claim: a second delivery finds it recorded. An
 * instance that dies leaves its tasks without fresh heartbeats; another instance (or the next process) takes
 * each over by a create-only claim on the task's last sign of life, which exactly one contender wins. Records
 * are removed once the result is published.
 */
export class TaskRecords<Requested extends TaskTopic> {
  private readonly pattern: RegExp;

  constructor(
    private readonly store: ArtifactStore,
    private readonly requested: Requested,
    /** The service's own records root, ending in `/` (`_evaluator/tasks/`). */
    readonly root: string,
  ) {
    this.pattern = new RegExp(`^(${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^/]+/[^/]+)/(request\\.json|heartbeats/)`);
  }

  dirOf(tenant: string, taskId: string): string {
    return taskRecordsDir(this.root, tenant, taskId);
  }

  /** Records a newly delivered request; false when the task is already recorded (queued, running or orphaned). */
  async register(request: MessageOf<Requested>): Promise<boolean> {
    try {
      await this.store.put(`${this.dirOf(request.tenant, request.payload.taskId)}/${REQUEST}`, JSON.stringify(request), { contentType: 'application/json' });
      return true;
    } catch (error) {
      if (error instanceof ArtifactExistsError) return false;
      throw error;
    }
  }

  /** A sign of life for a task this instance holds. */
  async heartbeat(tenant: string, taskId: string, instanceId: string, now = Date.now()): Promise<void> {
    const dir = this.dirOf(tenant, taskId);
    const key = `${dir}/heartbeats/${String(now).padStart(15, '0')}-${instanceId}`;
    await this.store.put(key, instanceId).catch((error: unknown) => {
      if (!(error instanceof ArtifactExistsError)) throw error;
    });
    for await (const entry of this.store.list(`${dir}/heartbeats/`)) if (entry.key !== key) await this.store.delete(entry.key);
  }

  /** Tasks with no request or heartbeat newer than `staleMs` ago, except those listed as held here. */
  async orphans(staleMs: number, held: ReadonlySet<string>, now = Date.now()): Promise<OrphanedTask[]> {
    const lastSeen = new Map<string, number>();
    const requested = new Set<string>();
    for await (const entry of this.store.list(this.root)) {
      const match = this.pattern.exec(entry.key);
      if (!match) continue;
      const dir = match[1];
      if (match[2] === REQUEST) requested.add(dir);
      lastSeen.set(dir, Math.max(lastSeen.get(dir) ?? 0, entry.lastModified.getTime()));
    }
    return [...requested]
      .filter((dir) => !held.has(dir) && now - (lastSeen.get(dir) ?? 0) > staleMs)
      .map((dir) => ({ dir, lastSeen: lastSeen.get(dir) ?? 0 }));
  }

  /** Takes an orphaned task over; resolves with its request, or undefined when another instance won it or it is gone. */
  async claim(orphan: OrphanedTask, instanceId: string): Promise<MessageOf<Requested> | undefined> {
    try {
      await this.store.put(`${orphan.dir}/claims/${orphan.lastSeen}`, instanceId);
    } catch (error) {
      if (error instanceof ArtifactExistsError) return undefined;
      throw error;
    }
    try {
      return this.requested.envelope.parse(await this.store.getJson(`${orphan.dir}/${REQUEST}`)) as MessageOf<Requested>;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
  }

  /** Forgets an answered task. */
  async remove(tenant: string, taskId: string): Promise<void> {
    const dir = this.dirOf(tenant, taskId);
    const keys: string[] = [];
    for await (const entry of this.store.list(`${dir}/`)) keys.push(entry.key);
    // The request goes last: while it is there, a half-removed task still reads as a task.
    keys.sort((a, b) => Number(a.endsWith(`/${REQUEST}`)) - Number(b.endsWith(`/${REQUEST}`)));
    for (const key of keys) await this.store.delete(key);
  }
}

