import type { JobSpec, OpenAiFineTuningJob, OpenAiFineTuningJobCheckpoint, OpenAiFineTuningJobEvent, OpenAiList, TuneforgeJobApproval } from '@tuneforge/contracts';
import { createReadStream, openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import OpenAI from 'openai';
import { ApiError, ConnectionError, isFetchConnectionFailure, type OpenAiErrorBody } from './cli-error';
import type { ConnectionSettings } from './connection-settings';
import { sseData } from './sse';

export interface UploadedFile {
  id: string;
  filename: string;
  bytes: number;
  purpose: string;
  created_at: number;
}

/** A succeeded job's result (`merged` model, PEFT `adapter`) as `GET .../{id}/artifacts` lists it. */
export interface JobArtifact {
  name: string;
  kind: string;
  bytes: number;
  files: Array<{ path: string; bytes: number; sha256: string }>;
}

/** OpenAI's `model` object as `GET /v1/models` lists it. */
export interface ModelEntry {
  id: string;
  created: number;
  owned_by: string;
}

/** What `POST /v1/models` answers: the model, and what the gateway registered. */
export interface AddedModel extends ModelEntry {
  tuneforge: { architecture: string; parameters: number; source: 'gguf' | 'huggingface'; files: string[] };
}

/** What `chat` asks of the model: OpenAI's chat completion request without `stream` (always streamed). */
export type ChatRequest = Omit<OpenAI.Chat.ChatCompletionCreateParamsStreaming, 'stream'>;

/** An API key as the admin endpoints show it (`GET /v1/admin/api_keys`): never the key, only its first characters. */
export interface ApiKeyEntry {
  id: string;
  tenant: string;
  name: string | null;
  admin: boolean;
  key_hint: string;
  created_at: number;
  revoked_at: number | null;
}

/** What `POST /v1/admin/api_keys` answers: the key itself, shown this once. */
export interface CreatedApiKey extends ApiKeyEntry {
  key: string;
}

/** The quotas a tenant has and what it uses of them (`GET /v1/admin/quotas/{tenant}`); a null limit is unlimited. */
export interface QuotaState {
  limit: number | null;
  override: number | null;
  default: number | null;
  usage: number;
}

/** A message a consumer group gave up on, as `GET /v1/admin/dead_letters` shows it. */
export interface DeadLetterEntry {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  group: string;
  service: string;
  reason: string;
  error: string;
  attempts: number;
  failed_at: number;
  replayed_at: number | null;
  value: string;
}

export const QUOTA_NAMES = ['concurrent_jobs', 'stored_bytes', 'trained_tokens_per_day'] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];
export type TenantQuotas = { tenant: string } & Record<QuotaName, QuotaState>;

export interface ApprovalAnswer {
  decision: 'approve' | 'reject' | 'edit';
  comment?: string;
  edits?: Record<string, unknown>;
}

/**
 * The gateway as the CLI uses it: the official `openai` SDK for the OpenAI-shaped endpoints and Tuneforge's
 * approvals, and the event stream (`?stream=true`) read directly, since the SDK has no method for it.
 */
export class GatewayClient {
  private readonly openai: OpenAI;

  constructor(readonly settings: ConnectionSettings) {
    this.openai = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseUrl, maxRetries: 2 });
  }

  async uploadFile(path: string, purpose: string): Promise<UploadedFile> {
    return (await this.openai.files.create({ file: createReadStream(path), purpose: purpose as 'fine-tune' })) as unknown as UploadedFile;
  }

  async listFiles(limit: number): Promise<UploadedFile[]> {
    const page = await this.openai.files.list({ limit });
    return page.data as unknown as UploadedFile[];
  }

  async createJob(spec: JobSpec): Promise<OpenAiFineTuningJob> {
    // The SDK passes the `tuneforge` extensions through as they are.
    return (await this.openai.fineTuning.jobs.create(spec as unknown as OpenAI.FineTuning.JobCreateParams)) as unknown as OpenAiFineTuningJob;
  }

  /** The models this key's tenant can tune from and call: base models first, then fine-tuned models and checkpoints. */
  async listModels(): Promise<ModelEntry[]> {
    return (await this.openai.models.list()).data as unknown as ModelEntry[];
  }

  /**
   * One streamed chat completion (`stream: true`): the SDK's `chat.completion.chunk`s as the gateway sends them.
   * `signal` stops it (the SDK then throws its APIUserAbortError).
   */
  async streamChat(request: ChatRequest, signal?: AbortSignal): Promise<AsyncIterable<OpenAI.Chat.ChatCompletionChunk>> {
    return this.openai.chat.completions.create({ ...request, stream: true }, { signal });
  }

  async retrieveJob(id: string): Promise<OpenAiFineTuningJob> {
    return (await this.openai.fineTuning.jobs.retrieve(id)) as unknown as OpenAiFineTuningJob;
  }

  async listJobs(limit: number): Promise<OpenAiFineTuningJob[]> {
    const page = await this.openai.fineTuning.jobs.list({ limit });
    return page.data as unknown as OpenAiFineTuningJob[];
  }

  async control(id: string, action: 'cancel' | 'pause' | 'resume'): Promise<OpenAiFineTuningJob> {
    const jobs = this.openai.fineTuning.jobs;
    const job = action === 'cancel' ? await jobs.cancel(id) : action === 'pause' ? await jobs.pause(id) : await jobs.resume(id);
    return job as unknown as OpenAiFineTuningJob;
  }

  async checkpoints(id: string): Promise<OpenAiFineTuningJobCheckpoint[]> {
    const page = await this.openai.fineTuning.jobs.checkpoints.list(id, { limit: 100 });
    return page.data as unknown as OpenAiFineTuningJobCheckpoint[];
  }

  async approvals(jobId: string): Promise<TuneforgeJobApproval[]> {
    const list = await this.openai.get<OpenAiList<TuneforgeJobApproval>>(`/fine_tuning/jobs/${encodeURIComponent(jobId)}/approvals`);
    return list.data;
  }

  async answerApproval(jobId: string, approvalId: string, answer: ApprovalAnswer): Promise<TuneforgeJobApproval> {
    return this.openai.post<TuneforgeJobApproval>(`/fine_tuning/jobs/${encodeURIComponent(jobId)}/approvals/${encodeURIComponent(approvalId)}`, { body: answer });
  }

  async artifacts(jobId: string): Promise<JobArtifact[]> {
    const list = await this.openai.get<OpenAiList<JobArtifact>>(`/fine_tuning/jobs/${encodeURIComponent(jobId)}/artifacts`);
    return list.data;
  }

  /** One file of a job's artifact, as a byte stream. */
  async artifactFile(jobId: string, name: string, path: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.fetchOk(`/fine_tuning/jobs/${encodeURIComponent(jobId)}/artifacts/${encodeURIComponent(name)}/files/${encodeURIComponent(path)}`, 'application/octet-stream');
    return response.body!;
  }

  /**
   * Registers a base model (`POST /v1/models`, a Tuneforge extension): the files (one GGUF, or a Hugging Face
   * directory's files) go up in one multipart request, each read from disk as it is sent.
   */
  async addModel(name: string, files: readonly string[], scope: 'tenant' | 'operator' = 'tenant'): Promise<AddedModel> {
    const form = new FormData();
    form.append('name', name);
    form.append('scope', scope);
    for (const path of files) form.append('file', await openAsBlob(path), basename(path));
    const response = await this.fetchOk('/models', 'application/json', { method: 'POST', body: form });
    return (await response.json()) as AddedModel;
  }

  /** Admin (an admin key): a new API key for `tenant`; the answer is the only time the key is shown. */
  async createApiKey(request: { tenant: string; name?: string; admin?: boolean }): Promise<CreatedApiKey> {
    return this.openai.post<CreatedApiKey>('/admin/api_keys', { body: request });
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyEntry[]> {
    return (await this.openai.get<OpenAiList<ApiKeyEntry>>('/admin/api_keys', { query: tenant ? { tenant } : {} })).data;
  }

  async revokeApiKey(id: string): Promise<ApiKeyEntry> {
    return this.openai.delete<ApiKeyEntry>(`/admin/api_keys/${encodeURIComponent(id)}`);
  }

  /** Admin: dead letters, newest first (pending unless `status` says otherwise). */
  async listDeadLetters(query: { topic?: string; group?: string; status?: 'pending' | 'replayed' | 'all'; limit?: number }): Promise<DeadLetterEntry[]> {
    return (await this.openai.get<OpenAiList<DeadLetterEntry>>('/admin/dead_letters', { query })).data;
  }

  /** Admin: sends a dead letter's message again to the group that failed it. */
  async replayDeadLetter(id: string): Promise<DeadLetterEntry> {
    return this.openai.post<DeadLetterEntry>(`/admin/dead_letters/${encodeURIComponent(id)}/replay`);
  }

  async getQuotas(tenant: string): Promise<TenantQuotas> {
    return this.openai.get<TenantQuotas>(`/admin/quotas/${encodeURIComponent(tenant)}`);
  }

  /** A number sets the tenant's own limit, null returns it to the deployment's default; quotas left out stay as they are. */
  async setQuotas(tenant: string, limits: Partial<Record<QuotaName, number | null>>): Promise<TenantQuotas> {
    return this.openai.put<TenantQuotas>(`/admin/quotas/${encodeURIComponent(tenant)}`, { body: limits });
  }

  /** A request the SDK cannot do (streams, multipart of several files): connection failures and error envelopes become the CLI's errors. */
  private async fetchOk(path: string, accept: string, init: { method?: string; body?: FormData } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.settings.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${this.settings.apiKey}`, accept } });
    } catch (error) {
      if (isFetchConnectionFailure(error)) throw new ConnectionError(this.settings.baseUrl, describeFetchFailure(error));
      throw error;
    }
    if (response.ok && response.body) return response;
    const text = await response.text();
    let body: OpenAiErrorBody | undefined;
    try {
      body = (JSON.parse(text) as { error?: OpenAiErrorBody }).error;
    } catch {
      body = undefined;
    }
    throw new ApiError(response.status, body, text.slice(0, 500) || response.statusText);
  }

  /**
   * The job's events as the gateway streams them: every event so far oldest first, then new ones, ending
   * when the job has ended (`data: [DONE]`). Returns without [DONE] only if the connection closed early.
   */
  async *streamEvents(jobId: string): AsyncGenerator<OpenAiFineTuningJobEvent | 'done'> {
    const response = await this.fetchOk(`/fine_tuning/jobs/${encodeURIComponent(jobId)}/events?stream=true`, 'text/event-stream');
    try {
      for await (const data of sseData(response.body!)) {
        if (data === '[DONE]') {
          yield 'done';
          return;
        }
        yield JSON.parse(data) as OpenAiFineTuningJobEvent;
      }
    } catch (error) {
      // The body breaking off (gateway restarted, network gone) is a connection problem the caller may retry.
      if (error instanceof TypeError || (error as { code?: string }).code === 'ECONNRESET' || (error as { code?: string }).code === 'UND_ERR_SOCKET') {
        throw new ConnectionError(this.settings.baseUrl, (error as Error).message);
      }
      throw error;
    }
  }
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}
