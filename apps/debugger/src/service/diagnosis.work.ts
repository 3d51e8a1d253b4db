import { Inject, Injectable } from '@nestjs/common';
import type { diagnosisRunCompletedV1, diagnosisRunRequestedV1, PayloadOf } from '@tuneforge/contracts';
import { LOGGER, SERVICE_CONFIG, type ResultLogLine, type Task, type TaskWork, type WorkDone } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import { explanationEndpoint, type DebuggerConfig, type ExplanationEndpoint } from '../config/debugger-config';
import { readDataEvidence } from '../data/read-data-evidence';
import { diagnose } from '../diagnosis/diagnose';
import { DiagnosisInputError } from '../diagnosis/diagnosis-input-error';
import { explainFindings } from '../explanation/explain-findings';
import { diagnosisPrefix, findStoredResult, storeResult } from './diagnosis-result-store';

type Requested = typeof diagnosisRunRequestedV1;
type Result = PayloadOf<typeof diagnosisRunCompletedV1>;
type DiagnosisTask = Task<Requested, string>;

/** The failed result's error is capped at 4000 characters. */
const MAX_ERROR_CHARS = 4000;

/**
 * The debugger's work in the task worker (libs/service-kit): diagnoses one iteration; the answer (findings
 * and explanation) is stored under the job and task id. A request that cannot be diagnosed (an artifact it
 * names is missing or malformed) is answered `failed` with the reason, never thrown, so one bad request
 * costs a message and the service goes on with the next. Only an unreachable store is thrown, for the bus
 * to retry.
 */
@Injectable()
export class DiagnosisWork implements TaskWork<Requested, typeof diagnosisRunCompletedV1> {
  private readonly llm?: ExplanationEndpoint;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<DebuggerConfig>,
  ) {
    this.llm = explanationEndpoint(config);
    if (this.llm) this.logger.info({ baseURL: this.llm.baseURL, model: this.llm.model }, 'LLM explanation endpoint configured');
  }

  resultKey(payload: PayloadOf<Requested>): string {
    return diagnosisPrefix(payload.jobId, payload.taskId);
  }

  findStored({ store, key }: DiagnosisTask): Promise<Result | undefined> {
    return findStoredResult(store, key);
  }

  async work({ request, store }: DiagnosisTask): Promise<WorkDone<Result, void>> {
    const { taskId, jobId, iteration, config, tools, curve, totalSteps, evaluation } = request.payload;
    const data = await readDataEvidence(store, request.payload, tools);
    const findings = diagnose({ config, tools, curve, totalSteps, data, evaluation: evaluation?.summary ?? null });
    const explanation =
      this.llm && findings.length > 0
        ? await explainFindings(this.llm, findings, { jobId, iteration }, (error) =>
            this.logger.warn({ jobId, taskId, error: (error as Error).message }, 'LLM explanation failed; publishing the findings without it'),
          )
        : null;
    return { succeeded: { taskId, jobId, iteration, status: 'succeeded', findings, explanation }, output: undefined };
  }

  /** The same findings and prose for a redelivered or re-sent task, not a second LLM call that may differ. */
  store({ request, store, key }: DiagnosisTask, result: Result): Promise<void> {
    return storeResult(store, key, result, request.messageId);
  }

  failure(error: unknown, { request }: DiagnosisTask): Result | undefined {
    if (!(error instanceof DiagnosisInputError)) return undefined;
    const { taskId, jobId, iteration } = request.payload;
    return { taskId, jobId, iteration, status: 'failed', error: error.message.slice(0, MAX_ERROR_CHARS) };
  }

  logLine(result: Result): ResultLogLine {
    const { jobId, taskId, iteration } = result;
    return result.status === 'failed'
      ? { level: 'warn', message: 'diagnosis failed', fields: { jobId, taskId, iteration, error: result.error } }
      : { level: 'info', message: 'diagnosis finished', fields: { jobId, taskId, iteration, findings: result.findings.map((f) => f.code) } };
  }
}
