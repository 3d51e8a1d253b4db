import { Inject, Injectable } from '@nestjs/common';
import { ARTIFACT_STORE } from '@tuneforge/service-kit';
import { openArtifact, type ArtifactStore } from '@tuneforge/storage';
import type { Readable } from 'node:stream';
import { InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { JobIterationsService } from './job-iterations.service';

const REPORT_FILES = { html: { path: 'report.html', type: 'text/html; charset=utf-8' }, json: { path: 'report.json', type: 'application/json' } } as const;

/**
 * The data quality report of the dataset an iteration trained on (datagen's `report.json` / `report.html`: duplicates,
 * leakage, tool balance, token lengths, ReAct rule violations), found through the job's iteration records — so only
 * the tenant's own job, and only once an iteration has trained.
 */
@Injectable()
export class JobDataReportService {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(JobIterationsService) private readonly iterations: JobIterationsService,
  ) {}

  async report(tenant: string, jobId: string, query: { iteration?: string; format?: string }): Promise<{ stream: Readable; type: string }> {
    const format = query.format ?? 'json';
    if (format !== 'html' && format !== 'json') throw new InvalidRequestError(`format must be html or json, got '${format}'`, 'format');
    const wanted = query.iteration === undefined ? undefined : Number(query.iteration);
    if (wanted !== undefined && !(Number.isInteger(wanted) && wanted >= 1)) throw new InvalidRequestError(`iteration must be a positive integer, got '${query.iteration}'`, 'iteration');
    const trained = (await this.iterations.list(tenant, jobId)).data.filter((i) => i.trained && (wanted === undefined || i.iteration === wanted));
    const chosen = trained.at(-1);
    if (!chosen) throw new ObjectNotFoundError('fine_tuning.job.data_report', wanted === undefined ? jobId : `${jobId} iteration ${wanted}`, wanted === undefined ? 'id' : 'iteration');
    const artifact = await openArtifact(this.store.forTenant(tenant), chosen.trained!.dataReport);
    const file = REPORT_FILES[format];
    return { stream: await artifact.openFile(file.path), type: file.type };
  }
}
