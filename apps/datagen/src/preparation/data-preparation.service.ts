import { Inject, Injectable } from '@nestjs/common';
import { createMessage, dataPreparationCompletedV1, type dataPreparationRequestedV1, type MessageOf, type PayloadOf } from '@tuneforge/contracts';
import { artifactStoreCache } from '@tuneforge/datasets';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { llmSettings, type DatagenConfig, type LlmSynthesisSettings } from '../config/datagen-config';
import { loadRetrievalFromStore } from './load-retrieval';
import { loadTokenizerFromStore } from './load-tokenizer';
import { cappedErrors, toPreparationError } from './preparation-errors';
import { prepareDataset } from './prepare-dataset';
import { artifactPrefixes, findCommitted, writePrepared } from './prepared-artifacts';
import { readUpload } from './read-upload';

type Request = MessageOf<typeof dataPreparationRequestedV1>;
type Result = PayloadOf<typeof dataPreparationCompletedV1>;

/**
 * Runs one data preparation task end to end and emits its result. A bad input is a result (failed,
 * with the errors), never an exception, so one user's broken file costs a message, not the partition.
 *
 * Everything happens inside the consumer callback. That is fine for the uploads this has been sized for
 * (seconds for tens of thousands of records), but reading, MinHash splitting and the report hold the
 * whole dataset in memory and run on the event loop: files of hundreds of MB, or synthesis of hundreds
 * of thousands of samples, must move to a tracked background task that reports through the same event.
 */
@Injectable()
export class DataPreparationService {
  private readonly llm?: LlmSynthesisSettings;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<DatagenConfig>,
  ) {
    this.llm = llmSettings(config);
    if (this.llm) this.logger.info({ baseURL: this.llm.endpoint.baseURL, model: this.llm.endpoint.model }, 'LLM synthesis endpoint configured');
  }

  async prepare(request: Request): Promise<void> {
    const result = await this.run(request);
    const log = { jobId: request.payload.jobId, taskId: request.payload.taskId, status: result.status };
    this.logger.info(result.status === 'failed' ? { ...log, errorCount: result.errorCount } : { ...log, counts: result.counts }, 'data preparation finished');
    await this.bus.publish(
      dataPreparationCompletedV1,
      createMessage(dataPreparationCompletedV1, result, { correlationId: request.correlationId, tenant: request.tenant, causedBy: request }),
    );
  }

  private async run(request: Request): Promise<Result> {
    const { taskId, jobId, files, data, synthesis, tools, taskDescription } = request.payload;
    const store = this.store.forTenant(request.tenant);
    const artifacts = artifactPrefixes(jobId, taskId);
    const committed = await findCommitted(store, artifacts);
    if (committed) return { taskId, jobId, status: 'succeeded', artifacts, counts: committed };

    const training = await readUpload(store, files.training, data.format);
    const validation = files.validation === undefined ? undefined : await readUpload(store, files.validation, data.format);
    let tokenizer;
    if (request.payload.tokenizer !== undefined) {
      const loaded = await loadTokenizerFromStore(store, request.payload.tokenizer, { agentTokens: data.agentTokens });
      if ('error' in loaded) return { taskId, jobId, status: 'failed', ...cappedErrors([toPreparationError(loaded.error)]) };
      tokenizer = loaded.tokenizer;
    }
    let retrieval;
    if (request.payload.retrieval !== undefined) {
      const loaded = await loadRetrievalFromStore(store, request.payload.retrieval);
      if ('error' in loaded) return { taskId, jobId, status: 'failed', ...cappedErrors([toPreparationError(loaded.error)]) };
      retrieval = loaded.retrieval;
    }
    // Completions are cached in the tenant's own store: a redelivered task pays for no request twice.
    const llm = this.llm && { settings: this.llm, cache: artifactStoreCache(store, 'cache/datagen/llm-completions') };
    const prepared = await prepareDataset({ training, validation, trainingFile: files.training, data, synthesis, tools, taskDescription, llm, tokenizer, retrieval });
    if (!prepared.ok) return { taskId, jobId, status: 'failed', ...cappedErrors(prepared.errors.map(toPreparationError)) };

    await writePrepared(store, artifacts, prepared, { jobId, taskId, requestMessageId: request.messageId });
    return { taskId, jobId, status: 'succeeded', artifacts, counts: prepared.counts };
  }
}
