import { Inject, Injectable } from '@nestjs/common';
import { createMessage, diagnosisRunCompletedV1, type diagnosisRunRequestedV1, type MessageOf, type PayloadOf } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import { ArtifactExistsError, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { explanationEndpoint, type DebuggerConfig, type ExplanationEndpoint } from '../config/debugger-config';
import { readDataEvidence } from '../data/read-data-evidence';
import { diagnose } from '../diagnosis/diagnose';
import { DiagnosisInputError } from '../diagnosis/diagnosis-input-error';
import { explainFindings } from '../explanation/explain-findings';
import { diagnosisPrefix, findStoredResult, storeResult } from './diagnosis-result-store';

type Request = MessageOf<typeof diagnosisRunRequestedV1>;
type Result = PayloadOf<typeof diagnosisRunCompletedV1>;

/** The failed result's error is capped at 4000 characters. */
const MAX_ERROR_CHARS = 4000;

/**
 * Diagnoses one iteration and publishes the answer. A request that cannot be diagnosed (an artifact it names is
 * missing or malformed) is answered `failed` with the reason, never thrown, so one bad request costs a message and
 * the service goes on with the next. Only an unreachable store is thrown, for the bus to retry.
 */
@Injectable()
export class DiagnosisService {
  private readonly llm?: ExplanationEndpoint;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<DebuggerConfig>,
  ) {
    this.llm = explanationEndpoint(config);
    if (this.llm) this.logger.info({ baseURL: this.llm.baseURL, model: this.llm.model }, 'LLM explanation endpoint configured');
  }

  async handle(request: Request): Promise<void> {
    const result = await this.run(request);
    const { jobId, taskId, iteration } = request.payload;
    if (result.status === 'failed') this.logger.warn({ jobId, taskId, iteration, error: result.error }, 'diagnosis failed');
    else this.logger.info({ jobId, taskId, iteration, findings: result.findings.map((f) => f.code) }, 'diagnosis finished');
    await this.bus.publish(
      diagnosisRunCompletedV1,
      createMessage(diagnosisRunCompletedV1, result, { correlationId: request.correlationId, tenant: request.tenant, causedBy: request }),
    );
  }

  private async run(request: Request): Promise<Result> {
    const { taskId, jobId, iteration } = request.payload;
    const store = this.store.forTenant(request.tenant);
    const prefix = diagnosisPrefix(jobId, taskId);
    const stored = await findStoredResult(store, prefix);
    if (stored) return stored;
    try {
      const result = await this.diagnose(request, store);
      await storeResult(store, prefix, result, request.messageId);
      return result;
    } catch (error) {
      // Another delivery of the same task committed first: its answer is the answer.
      if (error instanceof ArtifactExistsError) {
        const winner = await findStoredResult(store, prefix);
        if (winner) return winner;
      }
      if (error instanceof DiagnosisInputError) return { taskId, jobId, iteration, status: 'failed', error: error.message.slice(0, MAX_ERROR_CHARS) };
      throw error;
    }
  }

  private async diagnose(request: Request, store: ArtifactStore): Promise<Result> {
    const { taskId, jobId, iteration, config, tools, curve, totalSteps, evaluation } = request.payload;
    const data = await readDataEvidence(store, request.payload, tools);
    const findings = diagnose({ config, tools, curve, totalSteps, data, evaluation: evaluation?.summary ?? null });
    const explanation =
      this.llm && findings.length > 0
        ? await explainFindings(this.llm, findings, { jobId, iteration }, (error) =>
            this.logger.warn({ jobId, taskId, error: (error as Error).message }, 'LLM explanation failed; publishing the findings without it'),
          )
        : null;
    return { taskId, jobId, iteration, status: 'succeeded', findings, explanation };
  }
}
