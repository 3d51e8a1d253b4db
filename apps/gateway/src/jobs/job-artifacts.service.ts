import { Inject, Injectable } from '@nestjs/common';
import type { OpenAiList } from '@tuneforge/contracts';
import { ARTIFACT_STORE } from '@tuneforge/service-kit';
import { ArtifactNotCommittedError, ArtifactNotFoundError, openArtifact, type ArtifactStore, type CommittedArtifact } from '@tuneforge/storage';
import type { Readable } from 'node:stream';
import { ObjectNotFoundError } from '../errors/gateway-errors';
import { JobsService } from './jobs.service';

/** One file of a job's artifact, as the manifest records it. */
export interface JobArtifactFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** A result of a job (the merged model, the PEFT adapter): a committed multi-file artifact of its own. */
export interface JobArtifact {
  object: 'fine_tuning.job.artifact';
  /** The last segment of the artifact's prefix (`merged`, `adapter`): what the download paths name. */
  name: string;
  kind: string;
  fine_tuning_job_id: string;
  created_at: number;
  bytes: number;
  files: JobArtifactFile[];
}

const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Downloads of a job's results. A job's artifacts are the committed artifacts its `succeeded` status names
 * (the status record's `result_files`: artifact prefixes; the job object's `result_files` are file ids; a job
 * that has not succeeded has none); everything is read from the caller's tenant, so another tenant's
 * job, an unknown name or a file its manifest does not list is a 404.
 */
@Injectable()
export class JobArtifactsService {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(JobsService) private readonly jobs: JobsService,
  ) {}

  async list(tenant: string, jobId: string): Promise<OpenAiList<JobArtifact>> {
    const artifacts = await this.committed(tenant, jobId);
    const data = artifacts.map((artifact) => describe(jobId, artifact));
    return { object: 'list', data, has_more: false, first_id: data[0]?.name ?? null, last_id: data.at(-1)?.name ?? null };
  }

  async retrieve(tenant: string, jobId: string, name: string): Promise<JobArtifact> {
    return describe(jobId, await this.find(tenant, jobId, name));
  }

  /** The file's bytes (checked against the manifest's sha256 as they stream) and its manifest entry. */
  async file(tenant: string, jobId: string, name: string, path: string): Promise<{ file: JobArtifactFile; stream: Readable }> {
    const artifact = await this.find(tenant, jobId, name);
    const entry = artifact.manifest.files.find((file) => file.path === path);
    if (!entry) throw new ObjectNotFoundError('fine_tuning.job.artifact.file', path, 'path');
    return { file: { path: entry.path, bytes: entry.size, sha256: entry.sha256 }, stream: await artifact.openFile(entry.path) };
  }

  private async find(tenant: string, jobId: string, name: string): Promise<CommittedArtifact> {
    const artifact = ARTIFACT_NAME.test(name) ? (await this.committed(tenant, jobId)).find((candidate) => nameOf(candidate.prefix) === name) : undefined;
    if (!artifact) throw new ObjectNotFoundError('fine_tuning.job.artifact', name, 'name');
    return artifact;
  }

  private async committed(tenant: string, jobId: string): Promise<CommittedArtifact[]> {
    // Answers the job's 404 (unknown, or another tenant's) before anything else; none until it succeeded.
    const prefixes = await this.jobs.resultArtifacts(tenant, jobId);
    const store = this.store.forTenant(tenant);
    const artifacts: CommittedArtifact[] = [];
    for (const prefix of prefixes) {
      // Only what the job itself produced, under its own prefix in the tenant's store.
      if (!prefix.startsWith(`jobs/${jobId}/`)) continue;
      try {
        artifacts.push(await openArtifact(store, prefix));
      } catch (error) {
        if (!(error instanceof ArtifactNotCommittedError || error instanceof ArtifactNotFoundError)) throw error;
      }
    }
    return artifacts;
  }
}

function nameOf(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf('/') + 1);
}

function describe(jobId: string, artifact: CommittedArtifact): JobArtifact {
  const files = artifact.manifest.files.map((file) => ({ path: file.path, bytes: file.size, sha256: file.sha256 }));
  return {
    object: 'fine_tuning.job.artifact',
    name: nameOf(artifact.prefix),
    kind: artifact.manifest.kind,
    fine_tuning_job_id: jobId,
    created_at: Math.floor(Date.parse(artifact.manifest.createdAt) / 1000),
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    files,
  };
}
