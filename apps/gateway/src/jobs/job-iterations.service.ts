import { Inject, Injectable } from '@nestjs/common';
import type { jobIterationRecordedV1, OpenAiList, PayloadOf } from '@tuneforge/contracts';
import { ARTIFACT_STORE } from '@tuneforge/service-kit';
import { openArtifact, type ArtifactStore } from '@tuneforge/storage';
import type { Readable } from 'node:stream';
import { InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { JobRepository } from './job-repository';
import { JobsService } from './jobs.service';

type IterationMessage = PayloadOf<typeof jobIterationRecordedV1>;
type StageRecord<S extends IterationMessage['stage']> = Extract<IterationMessage, { stage: S }>['record'];

/** One iteration of a job's loop: what it ran with, what it measured, what the debugger found, what was decided. */
export interface JobIteration {
  object: 'fine_tuning.job.iteration';
  fine_tuning_job_id: string;
  iteration: number;
  trained: StageRecord<'trained'> | null;
  evaluation: StageRecord<'evaluated'> | null;
  diagnosis: StageRecord<'diagnosed'> | null;
  conclusion: StageRecord<'concluded'> | null;
}

const REPORT_FILES = { html: { path: 'report.html', type: 'text/html; charset=utf-8' }, json: { path: 'report.json', type: 'application/json' } } as const;

/** The job's iterations (from the orchestrator's iteration records) and its evaluation reports. */
@Injectable()
export class JobIterationsService {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(JobsService) private readonly jobs: JobsService,
    @Inject(JobRepository) private readonly repository: JobRepository,
  ) {}

  async list(tenant: string, jobId: string): Promise<OpenAiList<JobIteration>> {
    await this.jobs.retrieve(tenant, jobId);
    const byIteration = new Map<number, JobIteration>();
    for (const message of await this.repository.iterations(tenant, jobId)) {
      const iteration = byIteration.get(message.iteration) ?? emptyIteration(jobId, message.iteration);
      if (message.stage === 'trained') iteration.trained = message.record;
      else if (message.stage === 'evaluated') iteration.evaluation = message.record;
      else if (message.stage === 'diagnosed') iteration.diagnosis = message.record;
      else iteration.conclusion = message.record;
      byIteration.set(message.iteration, iteration);
    }
    const data = [...byIteration.values()].sort((a, b) => a.iteration - b.iteration);
    return { object: 'list', data, has_more: false, first_id: null, last_id: null };
  }

  /** The evaluation report of one iteration (default: the latest evaluated one), as HTML or JSON. */
  async report(tenant: string, jobId: string, query: { iteration?: string; format?: string }): Promise<{ stream: Readable; type: string }> {
    const format = query.format ?? 'html';
    if (format !== 'html' && format !== 'json') throw new InvalidRequestError(`format must be html or json, got '${format}'`, 'format');
    const wanted = query.iteration === undefined ? undefined : Number(query.iteration);
    if (wanted !== undefined && !(Number.isInteger(wanted) && wanted >= 1)) throw new InvalidRequestError(`iteration must be a positive integer, got '${query.iteration}'`, 'iteration');
    const evaluated = (await this.list(tenant, jobId)).data.filter((i) => i.evaluation && (wanted === undefined || i.iteration === wanted));
    const chosen = evaluated.at(-1);
    if (!chosen) throw new ObjectNotFoundError('fine_tuning.job.report', wanted === undefined ? jobId : `${jobId} iteration ${wanted}`, wanted === undefined ? 'id' : 'iteration');
    const artifact = await openArtifact(this.store.forTenant(tenant), chosen.evaluation!.report);
    const file = REPORT_FILES[format];
    return { stream: await artifact.openFile(file.path), type: file.type };
  }
}

function emptyIteration(jobId: string, iteration: number): JobIteration {
  return { object: 'fine_tuning.job.iteration', fine_tuning_job_id: jobId, iteration, trained: null, evaluation: null, diagnosis: null, conclusion: null };
}
