import { Inject, Injectable } from '@nestjs/common';
import {
  answerApprovalBodySchema,
  createMessage,
  fileIdSchema,
  jobApprovalAnsweredV1,
  jobControlRequestedV1,
  jobLifecycleCreatedV1,
  jobSpecSchema,
  loadDefaultConfig,
  resolvedMethod,
  type AnswerApprovalBody,
  type JobConfig,
  type JobControlAction,
  type ListFineTuningCheckpointsQuery,
  type ListFineTuningEventsQuery,
  type ListFineTuningJobsQuery,
  type OpenAiFineTuningJob,
  type OpenAiFineTuningJobCheckpoint,
  type OpenAiFineTuningJobEvent,
  type OpenAiList,
  type TuneforgeJobApproval,
} from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import type { GatewayConfig } from '../config/gateway-config';
import { ArtifactExistsError, ArtifactNotFoundError, ModelRegistry, type ArtifactStore } from '@tuneforge/storage';
import type { z } from 'zod';
import { ConflictError, InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { fileContentKey, fileRecordKey, fileRecordSchema } from '../files/file-record';
import { validateRequest } from '../http/validate';
import { checkApprovalEdits } from './approval-edits';
import { resolveJobConfig } from './job-config';
import {
  answerKey,
  answerRecordSchema,
  approvalKey,
  approvalRecordSchema,
  approvalsPrefix,
  checkpointRecordSchema,
  checkpointsPrefix,
  eventRecordSchema,
  eventsPrefix,
  jobIdSchema,
  jobKey,
  jobRecordSchema,
  JOBS_PREFIX,
  currentStatus,
  latestStepMetrics,
  newJobId,
  page,
  sortEventsNewestFirst,
  statusPrefix,
  statusRecordSchema,
  toApproval,
  toOpenAiCheckpoints,
  toOpenAiEvent,
  toOpenAiJob,
  type AnswerRecord,
  type JobExtras,
  type JobRecord,
  type StatusRecord,
} from './job-record';
import { readResultFiles } from './job-result-files';

/** Fields of a job object the server sets; a create request carrying one is refused naming it. */
export const SERVER_OWNED_JOB_FIELDS = [
  'id',
  'object',
  'created_at',
  'finished_at',
  'fine_tuned_model',
  'organization_id',
  'status',
  'result_files',
  'trained_tokens',
  'error',
  'estimated_finish',
  'tenant',
] as const;


/** OpenAI's fine-tuning jobs over the orchestrator's topics; state comes from the projections in the store. */
const DOCUMENT_PURPOSES = ['user_data', 'assistants', 'fine-tune'] as const;

@Injectable()
export class JobsService {
  private defaults?: JobConfig;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'TF_JOB_LIMITS'>,
  ) {}

  async create(tenant: string, body: unknown): Promise<OpenAiFineTuningJob> {
    const spec = validateRequest(jobSpecSchema, body, { serverOwned: SERVER_OWNED_JOB_FIELDS });
    const store = this.store.forTenant(tenant);
    const training = await this.requireFile(store, spec.training_file, 'training_file');
    const validation = spec.validation_file ? await this.requireFile(store, spec.validation_file, 'validation_file') : undefined;
    const evaluation = spec.tuneforge?.evaluation_file ? await this.requireFile(store, spec.tuneforge.evaluation_file, 'tuneforge.evaluation_file') : undefined;
    const documents: string[] = [];
    for (const [index, fileId] of (spec.tuneforge?.retrieval_documents ?? []).entries()) {
      documents.push(await this.requireFile(store, fileId, `tuneforge.retrieval_documents[${index}]`, DOCUMENT_PURPOSES));
    }
    const model = await this.requireModel(tenant, spec.model);
    this.defaults ??= loadDefaultConfig();
    const config = resolveJobConfig(this.defaults, spec, this.config.TF_JOB_LIMITS);
    const id = newJobId();
    const record: JobRecord = {
      id,
      created_at: Math.floor(Date.now() / 1000),
      spec,
      config,
      files: { training, ...(validation ? { validation } : {}), ...(evaluation ? { evaluation } : {}), ...(documents.length ? { documents } : {}) },
      model,
      method: resolvedMethod(config, this.defaults),
    };
    await store.put(jobKey(id), JSON.stringify(record), { contentType: 'application/json' });
    await this.bus.publish(
      jobLifecycleCreatedV1,
      createMessage(jobLifecycleCreatedV1, { jobId: id, spec, config, files: record.files, model }, { correlationId: id, tenant }),
    );
    return toOpenAiJob(record, [], []);
  }

  async list(tenant: string, query: ListFineTuningJobsQuery): Promise<OpenAiList<OpenAiFineTuningJob>> {
    const store = this.store.forTenant(tenant);
    const ids: string[] = [];
    for await (const { key } of store.list(JOBS_PREFIX)) {
      const id = /^gateway\/jobs\/([^/]+)\/job\.json$/.exec(key)?.[1];
      if (id) ids.push(id);
    }
    // Ids sort by creation time: newest first, the cursor a comparison, only the page's jobs are read.
    ids.sort().reverse();
    const after = query.after;
    const candidates = after ? ids.filter((id) => id < after) : ids;
    const wanted = Object.entries(query.metadata ?? {});
    const data: OpenAiFineTuningJob[] = [];
    let hasMore = false;
    for (const id of candidates) {
      const record = await this.readOne(store, jobKey(id), jobRecordSchema);
      // `metadata[key]=value`: every pair given must be in the job's metadata.
      if (!record || !wanted.every(([key, value]) => record.spec.metadata?.[key] === value)) continue;
      if (data.length === query.limit) {
        hasMore = true;
        break;
      }
      data.push(await this.view(store, record));
    }
    return { object: 'list', data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  async retrieve(tenant: string, id: string): Promise<OpenAiFineTuningJob> {
    const store = this.store.forTenant(tenant);
    return this.view(store, await this.requireJob(store, id));
  }

  /** The artifact prefixes a succeeded job's status names (merged model, adapter, report): what the artifacts endpoints serve. */
  async resultArtifacts(tenant: string, id: string): Promise<string[]> {
    const store = this.store.forTenant(tenant);
    await this.requireJob(store, id);
    const status = currentStatus(await this.readAll(store, statusPrefix(id), statusRecordSchema));
    return status?.status === 'succeeded' ? status.result_files : [];
  }

  /** The job object: its records, plus the result file ids once it succeeded and the latest step metrics while it runs (estimated_finish). */
  private async view(store: ArtifactStore, record: JobRecord): Promise<OpenAiFineTuningJob> {
    const statuses: StatusRecord[] = await this.readAll(store, statusPrefix(record.id), statusRecordSchema);
    const status = currentStatus(statuses)?.status;
    const extras: JobExtras = {};
    if (status === 'succeeded') extras.resultFiles = (await readResultFiles(store, record.id))?.file_ids ?? [];
    if (status === 'running') extras.latestMetrics = latestStepMetrics(await this.readAll(store, eventsPrefix(record.id), eventRecordSchema));
    return toOpenAiJob(record, statuses, await this.approvalsOf(store, record.id), extras);
  }

  async events(tenant: string, id: string, query: ListFineTuningEventsQuery): Promise<OpenAiList<OpenAiFineTuningJobEvent>> {
    const store = this.store.forTenant(tenant);
    await this.requireJob(store, id);
    const events = sortEventsNewestFirst(await this.readAll(store, eventsPrefix(id), eventRecordSchema)).map(toOpenAiEvent);
    return page(events, query.after, query.limit);
  }

  /** Every event so far, oldest first (for streams). */
  async eventsOldestFirst(tenant: string, id: string): Promise<OpenAiFineTuningJobEvent[]> {
    const store = this.store.forTenant(tenant);
    await this.requireJob(store, id);
    return sortEventsNewestFirst(await this.readAll(store, eventsPrefix(id), eventRecordSchema)).reverse().map(toOpenAiEvent);
  }

  async checkpoints(tenant: string, id: string, query: ListFineTuningCheckpointsQuery): Promise<OpenAiList<OpenAiFineTuningJobCheckpoint>> {
    const store = this.store.forTenant(tenant);
    const job = await this.requireJob(store, id);
    return page(toOpenAiCheckpoints(await this.readAll(store, checkpointsPrefix(id), checkpointRecordSchema), job, tenant), query.after, query.limit);
  }

  async control(tenant: string, id: string, action: JobControlAction): Promise<OpenAiFineTuningJob> {
    await this.requireJob(this.store.forTenant(tenant), id);
    await this.bus.publish(jobControlRequestedV1, createMessage(jobControlRequestedV1, { jobId: id, action }, { correlationId: id, tenant }));
    return this.retrieve(tenant, id);
  }

  async approvals(tenant: string, id: string): Promise<OpenAiList<TuneforgeJobApproval>> {
    const store = this.store.forTenant(tenant);
    await this.requireJob(store, id);
    const data = await this.approvalsOf(store, id);
    return page(data, undefined, data.length);
  }

  /** The questions a job asked, oldest first, each with its answer if it has one. */
  private async approvalsOf(store: ArtifactStore, id: string): Promise<TuneforgeJobApproval[]> {
    const requests = (await this.readAll(store, approvalsPrefix(id), approvalRecordSchema)).sort((a, b) => a.created_at - b.created_at || (a.approvalId < b.approvalId ? -1 : 1));
    const data: TuneforgeJobApproval[] = [];
    for (const request of requests) data.push(toApproval(request, await this.readOne(store, answerKey(id, request.approvalId), answerRecordSchema)));
    return data;
  }

  /**
   * The first answer wins: it is recorded create-only, then sent to the orchestrator. The same human decision
   * again answers 200 with the first answer (and is sent again; the orchestrator applies it once); another
   * decision, or any answer to a question the policy answered, is a 409.
   */
  async answer(tenant: string, id: string, approvalId: string, body: unknown): Promise<TuneforgeJobApproval> {
    const store = this.store.forTenant(tenant);
    await this.requireJob(store, id);
    const request = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(approvalId) ? await this.readOne(store, approvalKey(id, approvalId), approvalRecordSchema) : undefined;
    if (!request) throw new ObjectNotFoundError('approval', approvalId, 'approval_id');
    const answer: AnswerApprovalBody = validateRequest(answerApprovalBodySchema, body);
    if (!request.options.includes(answer.decision)) {
      throw new InvalidRequestError(`Invalid value for 'decision': this question's options are ${request.options.join(', ')}.`, 'decision');
    }
    if (answer.decision === 'edit') checkApprovalEdits(request.context, answer.edits, (await this.requireJob(store, id)).config, this.config.TF_JOB_LIMITS);
    const recorded: AnswerRecord = { decision: answer.decision, answered_by: 'human', answered_at: Math.floor(Date.now() / 1000), ...(answer.comment ? { comment: answer.comment } : {}), ...(answer.edits ? { edits: answer.edits } : {}) };
    let answered = recorded;
    try {
      await store.put(answerKey(id, approvalId), JSON.stringify(recorded), { contentType: 'application/json' });
    } catch (error) {
      if (!(error instanceof ArtifactExistsError)) throw error;
      const first = await this.readOne(store, answerKey(id, approvalId), answerRecordSchema);
      // The same human decision again is a retry (perhaps of a request whose publish failed): sent again, and
      // the orchestrator applies an approval id's answer once. Anything else contradicts the first answer.
      if (!first || first.answered_by !== 'human' || first.decision !== answer.decision) {
        throw new ConflictError(`Approval ${approvalId} has already been answered (${first ? `${first.decision} by ${first.answered_by}` : 'concurrently'}).`, 'approval_id');
      }
      answered = first;
    }
    await this.bus.publish(
      jobApprovalAnsweredV1,
      createMessage(
        jobApprovalAnsweredV1,
        { approvalId, jobId: id, decision: answer.decision, answeredBy: 'human', ...(answer.comment ? { comment: answer.comment } : {}), ...(answer.edits ? { edits: answer.edits } : {}) },
        { correlationId: id, tenant },
      ),
    );
    return toApproval(request, answered);
  }

  private async requireJob(store: ArtifactStore, id: string): Promise<JobRecord> {
    const record = jobIdSchema.safeParse(id).success ? await this.readOne(store, jobKey(id), jobRecordSchema) : undefined;
    if (!record) throw new ObjectNotFoundError('fine_tuning.job', id);
    return record;
  }

  /**
   * The tenant-relative key of an uploaded file's bytes; unknown (or another tenant's) files name the param.
   * Data files must be `fine-tune` uploads (checked as JSONL); knowledge documents are any text, uploaded
   * as `user_data` or `assistants` (OpenAI's purposes for such files) or `fine-tune`.
   */
  private async requireFile(store: ArtifactStore, fileId: string, param: string, purposes: readonly string[] = ['fine-tune']): Promise<string> {
    const record = fileIdSchema.safeParse(fileId).success ? await this.readOne(store, fileRecordKey(fileId), fileRecordSchema) : undefined;
    if (!record) throw new InvalidRequestError(`Invalid ${param}: no such file: ${fileId}`, param);
    if (!purposes.includes(record.purpose)) {
      throw new InvalidRequestError(`Invalid ${param}: ${fileId} was uploaded with purpose '${record.purpose}'; expected ${purposes.map((p) => `'${p}'`).join(' or ')}.`, param);
    }
    return fileContentKey(fileId);
  }

  /**
   * The artifact a job starts from: a registered base model, or a fine-tuned model (continued fine-tuning) by its
   * `ft:` name; another tenant's model, or none, is a 404 naming `model`.
   */
  private async requireModel(tenant: string, name: string): Promise<string> {
    const model = await ModelRegistry.forTenant(this.store, tenant).resolve(name);
    if (!model) throw new ObjectNotFoundError('model', name, 'model');
    if (model.kind === 'checkpoint') throw new InvalidRequestError(`Invalid model: ${name} is a training checkpoint; start from a base or fine-tuned model.`, 'model');
    return model.artifact;
  }

  private async readOne<T>(store: ArtifactStore, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    try {
      return await store.getJson(key, schema);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      throw error;
    }
  }

  private async readAll<T>(store: ArtifactStore, prefix: string, schema: z.ZodType<T>): Promise<T[]> {
    const keys: string[] = [];
    for await (const { key } of store.list(prefix)) if (key.endsWith('.json')) keys.push(key);
    const out: T[] = [];
    for (const key of keys) {
      const value = await this.readOne(store, key, schema);
      if (value !== undefined) out.push(value);
    }
    return out;
  }
}
