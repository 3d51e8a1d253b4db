import { Command, type BaseCheckpointSaver } from '@langchain/langgraph';
import { createMessage, deterministicUuid, type CurvePoint, type Envelope, type PayloadOf, type TopicSpec } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import type { MessageBus } from '@tuneforge/messaging';
import { DatabaseModelRecords, type ArtifactStore, type ModelRecords } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { JobRecords } from './job-records';
import { DEFAULT_STAGE_DEADLINES, type StageDeadlines } from './stage-deadlines';
import { RegistryModelNamer } from './model-namer';
import { openCheckpointer } from './postgres-checkpointer';
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
 * Runs every job's graph (thread id = job id) on a durable checkpointer (LangGraph's Postgres saver on the
 * metadata database), and the job's inbox: results that bus handlers record (create-only, so the first copy of
 * a result or answer is the one that counts) and that the graph consumes when it waits for them. Work on one
 * job is serialized in this process.
 *
 * What never changes once written is remembered in memory, so that the per-progress-message path reads nothing
 * back: a started job's input (its graph's `job`), and which inbox keys hold a value (inbox rows are never
 * deleted). Both are forgotten when the job finishes.
 */
export class JobRunner implements CurveSource, ModelNamer {
  readonly graph: JobGraph;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly namer: RegistryModelNamer;
  /** One timer per job whose node waits with a deadline (a question asked to a human). */
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  /** Started jobs' inputs, as their graphs hold them. */
  private readonly inputs = new Map<string, JobInput>();
  /** Inbox keys known to hold a value, per job. */
  private readonly inboxed = new Map<string, Set<string>>();

  /** A runner on the database's checkpointer (its tables set up), records and model records; model artifacts in `store`. */
  static async open(store: ArtifactStore, database: Database, publisher: WorkflowPublisher, logger: Pick<Logger, 'info' | 'warn' | 'error'>, deadlines: StageDeadlines = DEFAULT_STAGE_DEADLINES): Promise<JobRunner> {
    return new JobRunner(store, new JobRecords(database), new DatabaseModelRecords(database), await openCheckpointer(database), publisher, logger, deadlines);
  }

  constructor(
    store: ArtifactStore,
    private readonly records: JobRecords,
    models: ModelRecords,
    readonly checkpointer: BaseCheckpointSaver,
    publisher: WorkflowPublisher,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    deadlines: StageDeadlines = DEFAULT_STAGE_DEADLINES,
  ) {
    this.namer = new RegistryModelNamer(store, models);
    this.graph = buildJobGraph(publisher, this.checkpointer, this, deadlines);
  }

  /** Starts a job's workflow; a job that already has a thread is only advanced. */
  start(job: JobInput): Promise<void> {
    return this.serialized(job.jobId, async () => {
      const config = threadConfig(job.jobId);
      const state = await this.graph.getState(config);
      if (!state.values?.job) {
        await this.records.started(job.jobId, job.tenant);
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

  /** Forgets the names of checkpoints the run's retention deleted. */
  async forgetCheckpoints(job: JobInput, steps: readonly number[]): Promise<void> {
    for (const step of steps) await this.namer.forgetCheckpoint(job, step);
  }

  /** Keeps one point of a run's training curve (one INSERT, create-only: a redelivered progress message changes nothing). */
  recordCurvePoint(jobId: string, runId: string, point: CurvePoint): Promise<void> {
    return this.records.addCurvePoint(jobId, runId, point);
  }

  /** Keeps a validation loss the run measured at a checkpoint (create-only, like the curve's points). */
  recordValidationLoss(jobId: string, runId: string, step: number, loss: number): Promise<void> {
    return this.records.addValidationLoss(jobId, runId, step, loss);
  }

  /**
   * The run's recorded curve in step order, thinned to at most MAX_CURVE_POINTS training points; every
   * validation loss is kept, on the point of its step (a point of its own when that step sent no progress).
   */
  read(job: { jobId: string }, runId: string): Promise<CurvePoint[]> {
    return this.records.curve(job.jobId, runId);
  }

  /** Whether a result under this key was already recorded. */
  async has(jobId: string, key: string): Promise<boolean> {
    return this.hasAny(jobId, [key]);
  }

  /** Whether a result under any of these keys was already recorded (one query at most; none once one is known). */
  async hasAny(jobId: string, keys: readonly string[]): Promise<boolean> {
    const known = this.inboxed.get(jobId);
    if (keys.some((key) => known?.has(key))) return true;
    const present = await this.records.present(jobId, keys);
    for (const key of present) this.remember(jobId, key);
    return present.size > 0;
  }

  /**
   * The job's input when this orchestrator started it (undefined for a job it never started: another
   * deployment's, or one whose creation has not arrived yet). Read from its graph once, then remembered.
   */
  async job(jobId: string): Promise<JobInput | undefined> {
    const cached = this.inputs.get(jobId);
    if (cached) return cached;
    const job = (await this.state(jobId)).job;
    if (job) this.inputs.set(jobId, job);
    return job;
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

  /** After a restart: every job started and not yet at its end goes on from its checkpoint. */
  async resumeAll(): Promise<string[]> {
    const resumed: string[] = [];
    for (const jobId of await this.records.unfinished()) {
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
        if (state.values?.job) {
          await this.records.finished(jobId);
          this.inputs.delete(jobId);
          this.inboxed.delete(jobId);
        }
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

  /** The first of the awaited keys, in the node's order of preference, that holds a value (one query). */
  private async firstDelivery(jobId: string, waiting: Waiting): Promise<Delivery | null> {
    const found = await this.records.find(jobId, waiting.waitFor);
    for (const key of found.keys()) this.remember(jobId, key);
    const key = waiting.waitFor.find((k) => found.has(k));
    return key === undefined ? null : { key, value: found.get(key) };
  }

  private async record(jobId: string, key: string, value: unknown): Promise<RecordOutcome> {
    const recorded = await this.records.record(jobId, key, value);
    this.remember(jobId, key);
    return recorded ? 'recorded' : 'duplicate';
  }

  private remember(jobId: string, key: string): void {
    let keys = this.inboxed.get(jobId);
    if (!keys) this.inboxed.set(jobId, (keys = new Set()));
    keys.add(key);
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
