import { Inject, Injectable } from '@nestjs/common';
import type { dataPreparationCompletedV1, dataPreparationRequestedV1, PayloadOf, PreparationError } from '@tuneforge/contracts';
import { artifactStoreCache } from '@tuneforge/datasets';
import { LOGGER, SERVICE_CONFIG, type ResultLogLine, type Task, type TaskWork, type WorkDone } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import { llmSettings, type DatagenConfig, type LlmSynthesisSettings } from '../config/datagen-config';
import { loadRetrievalFromStore } from './load-retrieval';
import { loadTokenizerFromStore } from './load-tokenizer';
import { cappedErrors, toPreparationError } from './preparation-errors';
import { prepareDataset, type Preparation } from './prepare-dataset';
import { artifactPrefixes, findCommitted, writePrepared, type PreparedArtifacts } from './prepared-artifacts';
import { prepareReinforcement } from './prepare-reinforcement';
import { readUpload, reinforcementUploads } from './read-upload';

type Requested = typeof dataPreparationRequestedV1;
type Result = PayloadOf<typeof dataPreparationCompletedV1>;
type Prepared = Extract<Preparation, { ok: true }>;
type PreparationTask = Task<Requested, PreparedArtifacts>;

/**
 * Datagen's work in the task worker (libs/service-kit): one data preparation task, its artifacts under
 * the job and task id. A bad input is a result (failed, with the errors, nothing written), never an
 * exception, so one user's broken file costs a message, not the partition.
 *
 * Everything happens inside the consumer callback. That is fine for the uploads this has been sized for
 * (seconds for tens of thousands of records), but reading, MinHash splitting and the report hold the
 * whole dataset in memory and run on the event loop: files of hundreds of MB, or synthesis of hundreds
 * of thousands of samples, must move to a tracked background task that reports through the same event.
 */
@Injectable()
export class DataPreparationWork implements TaskWork<Requested, typeof dataPreparationCompletedV1, PreparedArtifacts, Prepared> {
  private readonly llm?: LlmSynthesisSettings;

  constructor(
    @Inject(LOGGER) logger: Logger,
    @Inject(SERVICE_CONFIG) config: Partial<DatagenConfig>,
  ) {
    this.llm = llmSettings(config);
    if (this.llm) logger.info({ baseURL: this.llm.endpoint.baseURL, model: this.llm.endpoint.model }, 'LLM synthesis endpoint configured');
  }

  resultKey(payload: PayloadOf<Requested>): PreparedArtifacts {
    return artifactPrefixes(payload.jobId, payload.taskId);
  }

  async findStored({ request, store, key }: PreparationTask): Promise<Result | undefined> {
    const committed = await findCommitted(store, key);
    return committed && { taskId: request.payload.taskId, jobId: request.payload.jobId, status: 'succeeded', artifacts: key, counts: committed };
  }

  async work({ request, store, key }: PreparationTask): Promise<WorkDone<Result, Prepared>> {
    const { taskId, jobId, files, data, synthesis, tools, taskDescription, objective } = request.payload;
    const failed = (errors: PreparationError[]) => ({ failed: { taskId, jobId, status: 'failed' as const, ...cappedErrors(errors) } });
    if (objective === 'reinforcement') {
      // OpenAI's reinforcement lines (prompts ending with a user message, extra fields for the grader) have a reader of their own.
      const uploads = await reinforcementUploads(store, files);
      if ('error' in uploads) return failed([toPreparationError(uploads.error)]);
      const prepared = await prepareReinforcement({ ...uploads, synthesisEnabled: synthesis.enabled });
      if (!prepared.ok) return failed(prepared.errors.map(toPreparationError));
      return { succeeded: { taskId, jobId, status: 'succeeded', artifacts: key, counts: prepared.counts }, output: prepared };
    }
    const training = await readUpload(store, files.training, data.format);
    const validation = files.validation === undefined ? undefined : await readUpload(store, files.validation, data.format);
    let tokenizer;
    if (request.payload.tokenizer !== undefined) {
      const loaded = await loadTokenizerFromStore(store, request.payload.tokenizer, { agentTokens: data.agentTokens });
      if ('error' in loaded) return failed([toPreparationError(loaded.error)]);
      tokenizer = loaded.tokenizer;
    }
    let retrieval;
    if (request.payload.retrieval !== undefined) {
      const loaded = await loadRetrievalFromStore(store, request.payload.retrieval);
      if ('error' in loaded) return failed([toPreparationError(loaded.error)]);
      retrieval = loaded.retrieval;
    }
    // Completions are cached in the tenant's own store: a redelivered task pays for no request twice.
    const llm = this.llm && { settings: this.llm, cache: artifactStoreCache(store, 'cache/datagen/llm-completions') };
    const prepared = await prepareDataset({ training, validation, trainingFile: files.training, data, synthesis, tools, taskDescription, llm, tokenizer, retrieval, objective });
    if (!prepared.ok) return failed(prepared.errors.map(toPreparationError));
    return { succeeded: { taskId, jobId, status: 'succeeded', artifacts: key, counts: prepared.counts }, output: prepared };
  }

  store({ request, store, key }: PreparationTask, _result: Result, prepared: Prepared): Promise<void> {
    const { jobId, taskId } = request.payload;
    return writePrepared(store, key, prepared, { jobId, taskId, requestMessageId: request.messageId });
  }

  logLine(result: Result): ResultLogLine {
    const log = { jobId: result.jobId, taskId: result.taskId, status: result.status };
    return { level: 'info', message: 'data preparation finished', fields: result.status === 'failed' ? { ...log, errorCount: result.errorCount } : { ...log, counts: result.counts } };
  }
}
