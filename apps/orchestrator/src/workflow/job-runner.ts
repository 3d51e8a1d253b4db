import { Command } from '@langchain/langgraph';
import { createMessage, curvePointSchema, deterministicUuid, type CurvePoint, type Envelope, type PayloadOf, type TopicSpec } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { ArtifactExistsError, ArtifactNotFoundError, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { ArtifactStoreCheckpointer } from './artifact-store-checkpointer';
import { RegistryModelNamer } from './model-namer';
import { buildJobGraph, type CurveSource, type Delivery, type JobGraph, type JobInput, type JobStateValue, type ModelNamer, type Waiting, type WorkflowPublisher } from './job-graph';

/** Publishes on the bus with message ids derived from job, topic and dedup key. */
export class BusWorkflowPublisher implements WorkflowPublisher {
  constructor(private readonly bus: MessageBus) {}

  async publish<T extends TopicSpec>(job: Pick<JobInput, 'jobId' | 'tenant'>, topic: T, payload: PayloadOf<T>, dedupKey: string): Promise<void> {
    const message: Envelope = {
      ...createMessage(topic as TopicSpec, payload, { correlationId: job.jobId, tenant: job.tenant }),
      messageId: deterministicUuid(`${job.tenant}/${job.jobId}/${topic.name}/${dedupKey}`),
    };
    await this.bus.publish(topic, message);
  }
}

export type RecordOutcome = 'recorded' | 'duplicate' | 'refused';

/**
 * Runs every job's graph (thread id = job id) on a durable checkpointer, and the job's inbox: results
 * that bus handlers record (create-only, so the first copy of a result or answer is the one that counts)
 * and that the graph consumes when it waits for them. Work on one job is serialized in this process.
 */
/** At most this many curve points travel in a diagnosis request (evenly spaced, the last one always kept). */
export const MAX_CURVE_POINTS = 2000;

export class JobRunner implements CurveSource, ModelNamer {
  readonly checkpointer: ArtifactStoreCheckpointer;
  readonly graph: JobGraph;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly namer: RegistryModelNamer;
  /** One timer per job whose node waits with a deadline (a question asked to a human). */
  private readonly deadlines = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: ArtifactStore,
    publisher: WorkflowPublisher,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    private readonly root = 'orchestrator',
  ) {
    this.checkpointer = new ArtifactStoreCheckpointer(store, `${root}/checkpoints`);
    this.namer = new RegistryModelNamer(store);
    this.graph = buildJobGraph(publisher, this.checkpointer, this);
  }

  /** Starts a job's workflow; a job that already has a thread is only advanced. */
  start(job: JobInput): Promise<void> {
    return this.serialized(job.jobId, async () => {
      const config = threadConfig(job.jobId);
      const state = await this.graph.getState(config);
      if (!state.values?.job) {
        await this.putOnce(this.activeKey(job.jobId), job.jobId);
        await this.graph.invoke({ job }, config);
      }
      await this.advanceNow(job.jobId);
    });
  }

  /** Records a result for the job, then lets the graph take it if it waits for it. */
  async deliver(jobId: string, key: string, value: unknown): Promise<RecordOutcome> {
    let outcome: RecordOutcome = 'recorded';
    await this.serialized(jobId, async () => {
      outcome = await this.record(jobId, key, value);
      if (outcome === 'recorded') await this.advanceNow(jobId);
    });
    return outcome;
  }

  /** Names a job's fine-tuned model in the tenant's model registry. */
  nameModel(job: JobInput, model: { artifact: string; adapter: string | null }): Promise<string> {
    return this.namer.nameModel(job, model);
  }

  /** Names one of a job's checkpoints (`ft:...:ckpt-step-<n>`) in the tenant's model registry. */
  nameCheckpoint(job: JobInput, artifact: string, step: number): Promise<string> {
    return this.namer.nameCheckpoint(job, artifact, step);
  }

  /** Keeps one point of a run's training curve (create-only: a redelivered progress message changes nothing). */
  async recordCurvePoint(jobId: string, runId: string, point: CurvePoint): Promise<void> {
    await this.putOnce(`${this.curvePrefix(jobId, runId)}${String(point.step).padStart(10, '0')}.json`, JSON.stringify(point));
  }

  /** Keeps a validation loss the run measured at a checkpoint (create-only, like the curve's points). */
  async recordValidationLoss(jobId: string, runId: string, step: number, loss: number): Promise<void> {
    await this.putOnce(`${this.curvePrefix(jobId, runId)}validation/${String(step).padStart(10, '0')}.json`, JSON.stringify({ step, loss }));
  }

  /**
   * The run's recorded curve in step order, thinned to at most MAX_CURVE_POINTS training points; every
   * validation loss is kept, on the point of its step (a point of its own when that step sent no progress).
   */
  async read(job: { jobId: string }, runId: string): Promise<CurvePoint[]> {
    const prefix = this.curvePrefix(job.jobId, runId);
    const keys: string[] = [];
    const validationKeys: string[] = [];
    for await (const entry of this.store.list(prefix)) (entry.key.startsWith(`${prefix}validation/`) ? validationKeys : keys).push(entry.key);
    keys.sort();
    const stride = Math.max(1, Math.ceil(keys.length / MAX_CURVE_POINTS));
    const chosen = keys.filter((_key, index) => index % stride === 0 || index === keys.length - 1);
    const byStep = new Map<number, CurvePoint>();
    for (const key of chosen) {
      const point = curvePointSchema.parse(await this.store.getJson(key));
      byStep.set(point.step, point);
    }
    for (const key of validationKeys) {
      const { step, loss } = (await this.store.getJson(key)) as { step: number; loss: number };
      const point = byStep.get(step) ?? { step, loss: null, learningRate: 0 };
      byStep.set(step, { ...point, validationLoss: loss });
    }
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }

  /** Whether a result under this key was already recorded. */
  has(jobId: string, key: string): Promise<boolean> {
    return this.store.exists(this.inboxKey(jobId, key));
  }

  /** What the job waits for now (null when it is finished, unknown or running). */
  async waiting(jobId: string): Promise<Waiting | null> {
    const state = await this.graph.getState(threadConfig(jobId));
    return pendingWait(state.tasks);
  }

  async state(jobId: string) {
    return (await this.graph.getState(threadConfig(jobId))).values as Partial<JobStateValue>;
  }

  advance(jobId: string): Promise<void> {
    return this.serialized(jobId, () => this.advanceNow(jobId));
  }

  /**
   * After a restart: every job marked active (started, not yet at its end) goes on from its checkpoint.
   * The markers keep this to the unfinished jobs instead of every checkpoint ever written.
   */
  async resumeAll(): Promise<string[]> {
    const resumed: string[] = [];
    const prefix = `${this.root}/active/`;
    const jobIds: string[] = [];
    for await (const entry of this.store.list(prefix)) jobIds.push(Buffer.from(entry.key.slice(prefix.length), 'hex').toString('utf8'));
    for (const jobId of jobIds.sort()) {
      resumed.push(jobId);
      await this.advance(jobId);
    }
    if (resumed.length) this.logger.info({ jobs: resumed }, 'resumed unfinished jobs');
    return resumed;
  }

  private async advanceNow(jobId: string): Promise<void> {
    const config = threadConfig(jobId);
    for (;;) {
      const state = await this.graph.getState(config);
      if (!state.next.length) {
        this.clearDeadline(jobId);
        if (state.values?.job) await this.store.delete(this.activeKey(jobId));
        return;
      }
      const waiting = pendingWait(state.tasks);
      // A node that had started when the process died (no interrupt recorded): run on from the checkpoint.
      if (!waiting) {
        await this.graph.invoke(null, config);
        continue;
      }
      const delivery = await this.firstDelivery(jobId, waiting);
      if (!delivery) {
        this.scheduleDeadline(jobId, waiting);
        return;
      }
      await this.graph.invoke(new Command({ resume: delivery }), config);
    }
  }

  /** Stops every deadline timer (the process is shutting down; the next one sets them again from the checkpoints). */
  close(): void {
    for (const timer of this.deadlines.values()) clearTimeout(timer);
    this.deadlines.clear();
  }

  /**
   * At the deadline, its value is delivered like any result: create-only, so an answer that came first wins and
   * the deadline changes nothing. A deadline already past (after a restart) is delivered at once.
   */
  private scheduleDeadline(jobId: string, waiting: Waiting): void {
    this.clearDeadline(jobId);
    const deadline = waiting.deadline;
    if (!deadline) return;
    const timer = setTimeout(() => {
      this.deadlines.delete(jobId);
      this.deliver(jobId, deadline.key, deadline.value).catch((error: unknown) => this.logger.error({ jobId, key: deadline.key, err: error }, 'delivering a deadline failed'));
    }, Math.max(0, deadline.at - Date.now()));
    // A deadline alone does not keep the process alive (the service's server does; a finished test does not wait).
    timer.unref();
    this.deadlines.set(jobId, timer);
  }

  private clearDeadline(jobId: string): void {
    clearTimeout(this.deadlines.get(jobId));
    this.deadlines.delete(jobId);
  }

  private async firstDelivery(jobId: string, waiting: Waiting): Promise<Delivery | null> {
    for (const key of waiting.waitFor) {
      try {
        return { key, value: await this.store.getJson(this.inboxKey(jobId, key)) };
      } catch (error) {
        if (!(error instanceof ArtifactNotFoundError)) throw error;
      }
    }
    return null;
  }

  private async record(jobId: string, key: string, value: unknown): Promise<RecordOutcome> {
    return (await this.putOnce(this.inboxKey(jobId, key), JSON.stringify(value))) ? 'recorded' : 'duplicate';
  }

  /** Create-only; false when the key was already written. */
  private async putOnce(key: string, body: string): Promise<boolean> {
    try {
      await this.store.put(key, body, { contentType: 'application/json' });
      return true;
    } catch (error) {
      if (error instanceof ArtifactExistsError) return false;
      throw error;
    }
  }

  private curvePrefix(jobId: string, runId: string): string {
    return `${this.root}/curves/${Buffer.from(jobId, 'utf8').toString('hex')}/${runId}/`;
  }

  private activeKey(jobId: string): string {
    return `${this.root}/active/${Buffer.from(jobId, 'utf8').toString('hex')}`;
  }

  private inboxKey(jobId: string, key: string): string {
    return `${this.root}/inbox/${Buffer.from(jobId, 'utf8').toString('hex')}/${key}.json`;
  }

  private serialized(jobId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(jobId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tail = next.catch(() => undefined);
    this.chains.set(jobId, tail);
    void tail.then(() => {
      if (this.chains.get(jobId) === tail) this.chains.delete(jobId);
    });
    return next;
  }
}

function threadConfig(jobId: string) {
  return { configurable: { thread_id: jobId } };
}

function pendingWait(tasks: ReadonlyArray<{ interrupts: ReadonlyArray<{ value?: unknown }> }>): Waiting | null {
  for (const task of tasks) for (const i of task.interrupts) if (i.value && Array.isArray((i.value as Waiting).waitFor)) return i.value as Waiting;
  return null;
}
