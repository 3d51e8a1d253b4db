import { apiErrorOf } from './api-error';
import type { EvaluationReport, DataReport } from './report-types';
import { sseData } from './sse';
import type { ApiList, Approval, ApprovalDecision, Checkpoint, FineTuningJob, Iteration, JobArtifact, JobEvent, Model, UploadedFile } from './types';

/** The gateway this page was served by: the dashboard calls only its public API, with the signed-in key. */
export class ApiClient {
  constructor(
    private readonly apiKey: string,
    /** Called when the API refuses the key (revoked since sign-in): the app then asks for a key again. */
    private readonly onKeyRefused: () => void = () => undefined,
    private readonly baseUrl = '',
  ) {}

  /** A request with the key; a non-2xx answer throws an ApiError with the API's message and `param`. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.apiKey}`);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    const response = await fetch(`${this.baseUrl}/v1${path}`, { ...init, headers });
    if (!response.ok) {
      const error = await apiErrorOf(response);
      if (error.status === 401) this.onKeyRefused();
      throw error;
    }
    return response;
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await this.request(path, init)).json() as Promise<T>;
  }

  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.json<T>(path, { method: 'POST', body: JSON.stringify(body), signal });
  }

  /** Every job of the tenant, newest first (the API pages them 100 at a time). */
  async listJobs(): Promise<FineTuningJob[]> {
    const jobs: FineTuningJob[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.json<ApiList<FineTuningJob>>(`/fine_tuning/jobs?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      jobs.push(...page.data);
      if (!page.has_more || page.data.length === 0) return jobs;
      after = page.data.at(-1)!.id;
    }
  }

  job(id: string): Promise<FineTuningJob> {
    return this.json(`/fine_tuning/jobs/${encodeURIComponent(id)}`);
  }

  createJob(request: Record<string, unknown>): Promise<FineTuningJob> {
    return this.post('/fine_tuning/jobs', request);
  }

  control(id: string, action: 'cancel' | 'pause' | 'resume'): Promise<FineTuningJob> {
    return this.post(`/fine_tuning/jobs/${encodeURIComponent(id)}/${action}`, {});
  }

  /** The job's events, oldest first, then each new one until the job ends (`stream=true`). */
  async *streamEvents(id: string, signal: AbortSignal): AsyncGenerator<JobEvent> {
    const response = await this.request(`/fine_tuning/jobs/${encodeURIComponent(id)}/events?stream=true`, { signal });
    for await (const data of sseData(response.body!, signal)) yield JSON.parse(data) as JobEvent;
  }

  async checkpoints(id: string): Promise<Checkpoint[]> {
    return (await this.json<ApiList<Checkpoint>>(`/fine_tuning/jobs/${encodeURIComponent(id)}/checkpoints?limit=100`)).data;
  }

  async approvals(id: string): Promise<Approval[]> {
    return (await this.json<ApiList<Approval>>(`/fine_tuning/jobs/${encodeURIComponent(id)}/approvals`)).data;
  }

  answer(jobId: string, approvalId: string, answer: { decision: ApprovalDecision; comment?: string; edits?: Record<string, unknown> }): Promise<Approval> {
    return this.post(`/fine_tuning/jobs/${encodeURIComponent(jobId)}/approvals/${encodeURIComponent(approvalId)}`, answer);
  }

  async iterations(id: string): Promise<Iteration[]> {
    return (await this.json<ApiList<Iteration>>(`/fine_tuning/jobs/${encodeURIComponent(id)}/iterations`)).data;
  }

  evaluationReport(id: string, iteration?: number): Promise<EvaluationReport> {
    return this.json(`/fine_tuning/jobs/${encodeURIComponent(id)}/report?format=json${iteration ? `&iteration=${iteration}` : ''}`);
  }

  dataReport(id: string, iteration?: number): Promise<DataReport> {
    return this.json(`/fine_tuning/jobs/${encodeURIComponent(id)}/data_report?format=json${iteration ? `&iteration=${iteration}` : ''}`);
  }

  async artifacts(id: string): Promise<JobArtifact[]> {
    return (await this.json<ApiList<JobArtifact>>(`/fine_tuning/jobs/${encodeURIComponent(id)}/artifacts`)).data;
  }

  /** One file of a job's artifact, fetched with the key (a plain link cannot carry it). */
  async artifactFile(jobId: string, artifact: string, path: string): Promise<Blob> {
    return (await this.request(`/fine_tuning/jobs/${encodeURIComponent(jobId)}/artifacts/${encodeURIComponent(artifact)}/files/${encodeURIComponent(path)}`)).blob();
  }

  async models(): Promise<Model[]> {
    return (await this.json<ApiList<Model>>('/models')).data;
  }

  uploadFile(file: File, purpose = 'fine-tune'): Promise<UploadedFile> {
    const form = new FormData();
    form.append('purpose', purpose);
    form.append('file', file, file.name);
    return this.json('/files', { method: 'POST', body: form });
  }

  /** A streamed chat completion: each chunk's JSON as it arrives. */
  async *chatStream(request: Record<string, unknown>, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    const response = await this.request('/chat/completions', { method: 'POST', body: JSON.stringify({ ...request, stream: true }), signal });
    for await (const data of sseData(response.body!, signal)) yield JSON.parse(data) as Record<string, unknown>;
  }
}
