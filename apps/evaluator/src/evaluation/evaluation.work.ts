import { Inject, Injectable } from '@nestjs/common';
import type { evaluationRunCompletedV1, evaluationRunRequestedV1, PayloadOf } from '@tuneforge/contracts';
import { LOGGER, SERVICE_CONFIG, type BackgroundSettings, type ResultLogLine, type Task, type TaskWork, type WorkDone } from '@tuneforge/service-kit';
import type { ServingLimits } from '@tuneforge/serving';
import type { Logger } from '@tuneforge/telemetry';
import { graderContextOf, type GraderContext } from '@tuneforge/graders';
import { embeddingsEndpoint, type EmbeddingsEndpoint, type EvaluatorConfig } from '../config/evaluator-config';
import { findCommittedSummary, reportPrefix, writeReport } from '../report/report-artifact';
import { evaluate } from './evaluate';
import { EvaluationInputError } from './evaluation-input-error';
import type { EvaluationReport } from './evaluation-report';
import { EVALUATION_TASKS_ROOT } from './task-records';

type Requested = typeof evaluationRunRequestedV1;
type Result = PayloadOf<typeof evaluationRunCompletedV1>;
type EvaluationTask = Task<Requested, string>;

const MAX_ERROR = 4000;

/**
 * Evaluations run in the background (generation takes minutes, far longer than a consumer callback may hold
 * its partition), one at a time per instance since each loads a model and uses every core; tasks are recorded
 * under `_evaluator/tasks/`, with heartbeats and takeover at the configured intervals.
 */
export function evaluationBackground(config: Partial<EvaluatorConfig>): BackgroundSettings {
  return { recordsRoot: EVALUATION_TASKS_ROOT, heartbeatMs: config.TF_EVAL_HEARTBEAT_MS ?? 15_000, takeoverAfterMs: config.TF_EVAL_TAKEOVER_AFTER_MS ?? 120_000, label: 'evaluation' };
}

/**
 * The evaluator's work in the task worker (libs/service-kit): one evaluation, its report under the job and
 * task id. A task delivered after it was answered finds its committed report and gets the same result. A
 * request the evaluator cannot evaluate, or a run that breaks, is answered `failed` with the reason, and the
 * next task runs as usual.
 */
@Injectable()
export class EvaluationWork implements TaskWork<Requested, typeof evaluationRunCompletedV1, string, EvaluationReport> {
  private readonly embeddings?: EmbeddingsEndpoint;
  private readonly serving: ServingLimits;
  private readonly graders: GraderContext;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<EvaluatorConfig>,
  ) {
    this.embeddings = embeddingsEndpoint(config);
    this.serving = { threads: config.TF_EVAL_THREADS ?? 0, maxSequences: config.TF_EVAL_MAX_SEQUENCES ?? 16, maxContext: config.TF_EVAL_MAX_CONTEXT ?? 4096 };
    this.graders = graderContextOf(config);
    if (this.embeddings) this.logger.info({ baseURL: this.embeddings.baseURL, model: this.embeddings.model }, 'embeddings endpoint configured for semantic_similarity');
  }

  resultKey(payload: PayloadOf<Requested>): string {
    return reportPrefix(payload.jobId, payload.taskId);
  }

  async findStored({ request, store, key }: EvaluationTask): Promise<Result | undefined> {
    const committed = await findCommittedSummary(store, key);
    return committed && { ...idsOf(request.payload), status: 'succeeded', summary: committed, report: key };
  }

  async work({ request, store, key }: EvaluationTask): Promise<WorkDone<Result, EvaluationReport>> {
    const { taskId } = request.payload;
    const report = await evaluate(request.payload, {
      store,
      serving: this.serving,
      ...(this.embeddings ? { embeddings: this.embeddings } : {}),
      graders: this.graders,
      progress: (step, detail) => this.logger.info({ taskId, ...detail }, step),
    });
    return { succeeded: { ...idsOf(request.payload), status: 'succeeded', summary: report.summary, report: key }, output: report };
  }

  store({ request, store, key }: EvaluationTask, _result: Result, report: EvaluationReport): Promise<void> {
    return writeReport(store, key, report, { requestMessageId: request.messageId });
  }

  /** Every error is a failed result: the request's own (EvaluationInputError) as it is, anything else as a crash. */
  failure(error: unknown, { request }: EvaluationTask): Result {
    const reason = error instanceof EvaluationInputError ? error.message : `the evaluation could not run: ${(error as Error).message}`;
    if (!(error instanceof EvaluationInputError)) this.logger.error({ taskId: request.payload.taskId, err: error }, 'evaluation crashed');
    return { ...idsOf(request.payload), status: 'failed', error: reason.slice(0, MAX_ERROR) };
  }

  logLine(result: Result): ResultLogLine {
    const log = { jobId: result.jobId, taskId: result.taskId, status: result.status };
    return result.status === 'failed'
      ? { level: 'warn', message: 'evaluation failed', fields: { ...log, error: result.error } }
      : { level: 'info', message: 'evaluation finished', fields: { ...log, report: result.report } };
  }
}

function idsOf({ taskId, jobId, iteration }: PayloadOf<Requested>): { taskId: string; jobId: string; iteration: number } {
  return { taskId, jobId, iteration };
}
