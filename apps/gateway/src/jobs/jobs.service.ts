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
import { DatabaseModelRecords, ModelRegistry, type ArtifactStore } from '@tuneforge/storage';
import type { ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config/gateway-config';
import { ConflictError, InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { fileContentKey } from '../files/file-record';
import { FileRepository } from '../files/file-repository';
import { validateRequest } from '../http/validate';
import { enqueue, OutboxRelay } from '../outbox/outbox-relay';
import { checkApprovalEdits } from './approval-edits';
import { streamJobEvents } from './event-stream';
import { JobEventNotifier } from './job-event-notifier';
import { resolveJobConfig } from './job-config';
import { checkReinforcementRequest } from './reinforcement-request';
import { jobIdSchema, newJobId, page, toApproval, toOpenAiCheckpoints, toOpenAiEvent, toOpenAiJob, type AnswerRecord, type JobRecord } from './job-record';
import { JobRepository, type JobView } from './job-repository';

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


/** OpenAI's fine-tuning jobs over the orchestrator's topics; state comes from the projections in the metadata database. */
const DOCUMENT_PURPOSES = ['user_data', 'assistants', 'fine-tune'] as const;

@Injectable()
export class JobsService {
  private defaults?: JobConfig;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'TF_JOB_LIMITS'>,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(FileRepository) private readonly files: FileRepository,
    @Inject(OutboxRelay) private readonly outbox: OutboxRelay,
    @Inject(JobEventNotifier) private readonly notifier: JobEventNotifier,
  ) {}

  /**
   * The job's row and the message announcing it are written in one transaction (the outbox), then the relay publishes
   * it: a job either does not exist or is announced, however the bus or this process fare — a Kafka outage delays the
   * announcement until Kafka is back, and the job waits in validating_files meanwhile.
   */
  async create(tenant: string, body: unknown): Promise<OpenAiFineTuningJob> {
    const spec = validateRequest(jobSpecSchema, body, { serverOwned: SERVER_OWNED_JOB_FIELDS });
    checkReinforcementRequest(spec);
    const training = await this.requireFile(tenant, spec.training_file, 'training_file');
    const validation = spec.validation_file ? await this.requireFile(tenant, spec.validation_file, 'validation_file') : undefined;
    const evaluation = spec.tuneforge?.evaluation_file ? await this.requireFile(tenant, spec.tuneforge.evaluation_file, 'tuneforge.evaluation_file') : undefined;
    const documents: string[] = [];
    for (const [index, fileId] of (spec.tuneforge?.retrieval_documents ?? []).entries()) {
      documents.push(await this.requireFile(tenant, fileId, `tuneforge.retrieval_documents[${index}]`, DOCUMENT_PURPOSES));
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
    const announcement = createMessage(jobLifecycleCreatedV1, { jobId: id, spec, config, files: record.files, model }, { correlationId: id, tenant });
    await this.jobs.db.transaction(async (tx) => {
      await this.jobs.insert(tenant, record, tx);
      await enqueue(tx, jobLifecycleCreatedV1, announcement);
    });
    // Published now if the bus takes it (a failure is logged, and the relay's loop tries again): the job is created either way.
    await this.outbox.relay();
    return toOpenAiJob(record, [], []);
  }

  async list(tenant: string, query: ListFineTuningJobsQuery): Promise<OpenAiList<OpenAiFineTuningJob>> {
    const { views, hasMore } = await this.jobs.list(tenant, { after: query.after, limit: query.limit, metadata: query.metadata });
    const data = views.map(toOpenAiJobView);
    return { object: 'list', data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  async retrieve(tenant: string, id: string): Promise<OpenAiFineTuningJob> {
    const view = jobIdSchema.safeParse(id).success ? await this.jobs.view(tenant, id) : undefined;
    if (!view) throw new ObjectNotFoundError('fine_tuning.job', id);
    return toOpenAiJobView(view);
  }

  /** The artifact prefixes a succeeded job's status names (merged model, adapter, report): what the artifacts endpoints serve. */
  async resultArtifacts(tenant: string, id: string): Promise<string[]> {
    await this.requireJob(tenant, id);
    const status = await this.jobs.currentStatus(tenant, id);
    return status?.status === 'succeeded' ? status.result_files : [];
  }

  async events(tenant: string, id: string, query: ListFineTuningEventsQuery): Promise<OpenAiList<OpenAiFineTuningJobEvent>> {
    await this.requireJob(tenant, id);
    const { events, hasMore } = await this.jobs.eventsPage(tenant, id, query.after, query.limit);
    const data = events.map(toOpenAiEvent);
    return { object: 'list', data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  /** `stream=true`: server-sent events, every event so far oldest first, then new ones until the job ends (`event-stream.ts`). */
  async streamEvents(tenant: string, id: string, response: ServerResponse): Promise<void> {
    await this.requireJob(tenant, id);
    await streamJobEvents(this.jobs, this.notifier, tenant, id, response);
  }

  async checkpoints(tenant: string, id: string, query: ListFineTuningCheckpointsQuery): Promise<OpenAiList<OpenAiFineTuningJobCheckpoint>> {
    const job = await this.requireJob(tenant, id);
    return page(toOpenAiCheckpoints(await this.jobs.checkpoints(tenant, id), job, tenant), query.after, query.limit);
  }

  async control(tenant: string, id: string, action: JobControlAction): Promise<OpenAiFineTuningJob> {
    await this.requireJob(tenant, id);
    await this.bus.publish(jobControlRequestedV1, createMessage(jobControlRequestedV1, { jobId: id, action }, { correlationId: id, tenant }));
    return this.retrieve(tenant, id);
  }

  async approvals(tenant: string, id: string): Promise<OpenAiList<TuneforgeJobApproval>> {
    await this.requireJob(tenant, id);
    const data = await this.jobs.approvals(tenant, id);
    return page(data, undefined, data.length);
  }

  /**
   * The first answer wins: the answers' primary key lets one in, then it is sent to the orchestrator. The same human
   * decision again answers 200 with the first answer (and is sent again; the orchestrator applies it once); another
   * decision, or any answer to a question the policy answered, is a 409.
   */
  async answer(tenant: string, id: string, approvalId: string, body: unknown): Promise<TuneforgeJobApproval> {
    const job = await this.requireJob(tenant, id);
    const request = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(approvalId) ? await this.jobs.approval(tenant, id, approvalId) : undefined;
    if (!request) throw new ObjectNotFoundError('approval', approvalId, 'approval_id');
    const answer: AnswerApprovalBody = validateRequest(answerApprovalBodySchema, body);
    if (!request.options.includes(answer.decision)) {
      throw new InvalidRequestError(`Invalid value for 'decision': this question's options are ${request.options.join(', ')}.`, 'decision');
    }
    if (answer.decision === 'edit') checkApprovalEdits(request.context, answer.edits, job.config, this.config.TF_JOB_LIMITS);
    const recorded: AnswerRecord = { decision: answer.decision, answered_by: 'human', answered_at: Math.floor(Date.now() / 1000), ...(answer.comment ? { comment: answer.comment } : {}), ...(answer.edits ? { edits: answer.edits } : {}) };
    const outcome = await this.jobs.answerFirst(tenant, id, approvalId, recorded);
    const first = outcome?.answer;
    // The same human decision again is a retry (perhaps of a request whose publish failed): sent again, and the
    // orchestrator applies an approval id's answer once. Anything else contradicts the first answer.
    if (!outcome?.first && (!first || first.answered_by !== 'human' || first.decision !== answer.decision)) {
      throw new ConflictError(`Approval ${approvalId} has already been answered (${first ? `${first.decision} by ${first.answered_by}` : 'concurrently'}).`, 'approval_id');
    }
    await this.bus.publish(
      jobApprovalAnsweredV1,
      createMessage(
        jobApprovalAnsweredV1,
        { approvalId, jobId: id, decision: answer.decision, answeredBy: 'human', ...(answer.comment ? { comment: answer.comment } : {}), ...(answer.edits ? { edits: answer.edits } : {}) },
        { correlationId: id, tenant },
      ),
    );
    return toApproval(request, first ?? recorded);
  }

  private async requireJob(tenant: string, id: string): Promise<JobRecord> {
    const record = jobIdSchema.safeParse(id).success ? await this.jobs.get(tenant, id) : undefined;
    if (!record) throw new ObjectNotFoundError('fine_tuning.job', id);
    return record;
  }

  /**
   * The tenant-relative key of an uploaded file's bytes; unknown (or another tenant's) files name the param.
   * Data files must be `fine-tune` uploads (checked as JSONL); knowledge documents are any text, uploaded
   * as `user_data` or `assistants` (OpenAI's purposes for such files) or `fine-tune`.
   */
  private async requireFile(tenant: string, fileId: string, param: string, purposes: readonly string[] = ['fine-tune']): Promise<string> {
    const record = fileIdSchema.safeParse(fileId).success ? await this.files.get(tenant, fileId) : undefined;
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
    const model = await ModelRegistry.forTenant(this.store, tenant, new DatabaseModelRecords(this.jobs.db)).resolve(name);
    if (!model) throw new ObjectNotFoundError('model', name, 'model');
    if (model.kind === 'checkpoint') throw new InvalidRequestError(`Invalid model: ${name} is a training checkpoint; start from a base or fine-tuned model.`, 'model');
    return model.artifact;
  }
}

/** The job object: its records, plus the result file ids once it succeeded and the latest step metrics while it runs (estimated_finish). */
function toOpenAiJobView(view: JobView): OpenAiFineTuningJob {
  return toOpenAiJob(view.record, view.status ? [view.status] : [], view.approvals, view.extras);
}
