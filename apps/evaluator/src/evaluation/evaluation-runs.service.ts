import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createMessage, evaluationRunCompletedV1, type evaluationRunRequestedV1, type MessageOf, type PayloadOf } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG, SERVICE_IDENTITY, type ServiceIdentity } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { embeddingsEndpoint, type EmbeddingsEndpoint, type EvaluatorConfig } from '../config/evaluator-config';
import { findCommittedSummary, reportPrefix, writeReport } from '../report/report-artifact';
import { evaluate } from './evaluate';
import { EvaluationInputError } from './evaluation-input-error';
import { dirOf, TaskRecords } from './task-records';

type Requested = MessageOf<typeof evaluationRunRequestedV1>;
type Result = PayloadOf<typeof evaluationRunCompletedV1>;

const MAX_ERROR = 4000;

/**
 * The evaluations this instance holds (queued or running). The request handler records the task in the
 * store and queues it (generation takes minutes, far longer than a consumer callback may hold its
 * partition); runs go one at a time, since each loads a model and uses every core. While it holds tasks,
 * the instance writes heartbeats for them; it also takes over tasks whose holder stopped beating (killed,
 * or shut down with tasks still queued), so an accepted task is answered even if its process dies. A task
 * delivered again while recorded is not run twice; delivered after it was answered, it finds its committed
 * report and gets the same result. A request the evaluator cannot evaluate, or a run that breaks, is
 * answered `failed` with the reason, and the next task runs as usual.
 */
@Injectable()
export class EvaluationRuns implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly held = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly embeddings?: EmbeddingsEndpoint;
  private readonly threads: number;
  private readonly heartbeatMs: number;
  private readonly takeoverAfterMs: number;
  private readonly records: TaskRecords;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private shuttingDown = false;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(SERVICE_CONFIG) config: Partial<EvaluatorConfig>,
  ) {
    this.embeddings = embeddingsEndpoint(config);
    this.threads = config.TF_EVAL_THREADS ?? 0;
    this.heartbeatMs = config.TF_EVAL_HEARTBEAT_MS ?? 15_000;
    this.takeoverAfterMs = config.TF_EVAL_TAKEOVER_AFTER_MS ?? 120_000;
    this.records = new TaskRecords(store);
    if (this.embeddings) this.logger.info({ baseURL: this.embeddings.baseURL, model: this.embeddings.model }, 'embeddings endpoint configured for semantic_similarity');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Records and queues a delivered request; returns once it is recorded (the evaluation runs later). */
  async accept(request: Requested): Promise<void> {
    const dir = dirOf(request.tenant, request.payload.taskId);
    if (this.held.has(dir)) {
      this.logger.info({ taskId: request.payload.taskId }, 'evaluation already queued or running here; delivery ignored');
      return;
    }
    if (!(await this.records.register(request))) {
      // Held by another instance, or orphaned and soon taken over: either way it will be answered once.
      this.logger.info({ taskId: request.payload.taskId }, 'evaluation already recorded; delivery ignored');
      return;
    }
    this.enqueue(request, dir);
  }

  async onApplicationShutdown(): Promise<void> {
    // Queued tasks are left recorded: the next process, or another instance, takes them over.
    this.shuttingDown = true;
    if (this.timer) clearInterval(this.timer);
    await this.queue;
  }

  private enqueue(request: Requested, dir: string): void {
    this.held.add(dir);
    this.queue = this.queue.then(async () => {
      if (this.shuttingDown) return;
      try {
        await this.runAndPublish(request);
        await this.records.remove(request.tenant, request.payload.taskId);
      } catch (error) {
        // Publishing failed (bus down): the record stays, and the task is taken over and answered later.
        this.logger.error({ taskId: request.payload.taskId, err: error }, 'evaluation result could not be published');
      } finally {
        this.held.delete(dir);
      }
    });
  }

  /** Heartbeats for the tasks held here, then takes over tasks nobody holds any more. */
  private async tick(): Promise<void> {
    if (this.ticking || this.shuttingDown) return;
    this.ticking = true;
    try {
      for (const dir of this.held) {
        const [tenant, taskId] = dir.split('/').slice(-2);
        await this.records.heartbeat(tenant, taskId, this.identity.instanceId);
      }
      for (const orphan of await this.records.orphans(this.takeoverAfterMs, this.held)) {
        const request = await this.records.claim(orphan, this.identity.instanceId);
        if (!request || this.shuttingDown) continue;
        this.logger.warn({ taskId: request.payload.taskId, lastSeen: new Date(orphan.lastSeen).toISOString() }, 'taking over an evaluation whose instance stopped');
        await this.records.heartbeat(request.tenant, request.payload.taskId, this.identity.instanceId);
        this.enqueue(request, orphan.dir);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'evaluation heartbeat or takeover scan failed; retrying at the next beat');
    } finally {
      this.ticking = false;
    }
  }

  private async runAndPublish(request: Requested): Promise<void> {
    const result = await this.run(request);
    const log = { jobId: request.payload.jobId, taskId: request.payload.taskId, status: result.status };
    if (result.status === 'failed') this.logger.warn({ ...log, error: result.error }, 'evaluation failed');
    else this.logger.info({ ...log, report: result.report }, 'evaluation finished');
    await this.bus.publish(
      evaluationRunCompletedV1,
      createMessage(evaluationRunCompletedV1, result, { correlationId: request.correlationId, tenant: request.tenant, causedBy: request }),
    );
  }

  private async run(request: Requested): Promise<Result> {
    const { taskId, jobId, iteration } = request.payload;
    const ids = { taskId, jobId, iteration };
    const store = this.store.forTenant(request.tenant);
    const prefix = reportPrefix(jobId, taskId);
    try {
      const committed = await findCommittedSummary(store, prefix);
      if (committed) return { ...ids, status: 'succeeded', summary: committed, report: prefix };
      const report = await evaluate(request.payload, {
        store,
        threads: this.threads,
        ...(this.embeddings ? { embeddings: this.embeddings } : {}),
        progress: (step, detail) => this.logger.info({ taskId, ...detail }, step),
      });
      await writeReport(store, prefix, report, { requestMessageId: request.messageId });
      return { ...ids, status: 'succeeded', summary: report.summary, report: prefix };
    } catch (error) {
      const reason = error instanceof EvaluationInputError ? error.message : `the evaluation could not run: ${(error as Error).message}`;
      if (!(error instanceof EvaluationInputError)) this.logger.error({ taskId, err: error }, 'evaluation crashed');
      return { ...ids, status: 'failed', error: reason.slice(0, MAX_ERROR) };
    }
  }
}
