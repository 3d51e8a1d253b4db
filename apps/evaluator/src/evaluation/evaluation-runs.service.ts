import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createMessage, evaluationRunCompletedV1, type evaluationRunRequestedV1, type MessageOf, type PayloadOf } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { embeddingsEndpoint, type EmbeddingsEndpoint, type EvaluatorConfig } from '../config/evaluator-config';
import { findCommittedSummary, reportPrefix, writeReport } from '../report/report-artifact';
import { evaluate } from './evaluate';
import { EvaluationInputError } from './evaluation-input-error';

type Requested = MessageOf<typeof evaluationRunRequestedV1>;
type Result = PayloadOf<typeof evaluationRunCompletedV1>;

const MAX_ERROR = 4000;

/**
 * Evaluations this instance is running or has queued, by tenant and task id. The request handler only
 * queues (generation takes minutes, far longer than a consumer callback may hold its partition); runs go
 * one at a time, since each loads a model and uses every core. A task delivered again while it is queued
 * or running is not run twice; one delivered after it finished finds its committed report and gets the
 * same result again. A request the evaluator cannot evaluate, or a run that breaks, is answered `failed`
 * with the reason, and the next task runs as usual.
 */
@Injectable()
export class EvaluationRuns implements OnApplicationShutdown {
  private readonly active = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly embeddings?: EmbeddingsEndpoint;
  private readonly threads: number;
  private shuttingDown = false;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<EvaluatorConfig>,
  ) {
    this.embeddings = embeddingsEndpoint(config);
    this.threads = config.TF_EVAL_THREADS ?? 0;
    if (this.embeddings) this.logger.info({ baseURL: this.embeddings.baseURL, model: this.embeddings.model }, 'embeddings endpoint configured for semantic_similarity');
  }

  start(request: Requested): void {
    const key = `${request.tenant}/${request.payload.taskId}`;
    if (this.active.has(key)) {
      this.logger.info({ taskId: request.payload.taskId }, 'evaluation already queued or running; delivery ignored');
      return;
    }
    this.active.add(key);
    this.queue = this.queue.then(async () => {
      try {
        if (!this.shuttingDown) await this.runAndPublish(request);
      } catch (error) {
        // Publishing itself failed (bus down): nothing more can be said to anyone; the log keeps it.
        this.logger.error({ taskId: request.payload.taskId, err: error }, 'evaluation result could not be published');
      } finally {
        this.active.delete(key);
      }
    });
  }

  /** Resolves when every queued evaluation has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.queue;
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
