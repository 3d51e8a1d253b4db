import { Inject, Injectable } from '@nestjs/common';
import { BASE_MODEL_NAME, parseFineTunedModelName, type OpenAiList } from '@tuneforge/contracts';
import { importGguf, ModelImportError, validateHfDirectory } from '@tuneforge/model-import';
import type { Database } from '@tuneforge/database';
import { ARTIFACT_STORE, DATABASE, requireDatabase, SERVICE_CONFIG } from '@tuneforge/service-kit';
import { DatabaseModelRecords, ModelRegistry, type ArtifactStore, type KnownModel, type ModelRecords } from '@tuneforge/storage';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '../config/gateway-config';
import { ConflictError, InvalidRequestError, ObjectNotFoundError, PermissionDeniedError } from '../errors/gateway-errors';
import { receiveModelUpload } from './model-upload';

/** OpenAI's `model` object. */
export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const toOpenAiModel = (model: KnownModel): OpenAiModel => ({ id: model.id, object: 'model', created: model.created, owned_by: model.owned_by });

/** What `POST /v1/models` answers: the model object, and what was registered (a Tuneforge extension). */
export interface AddedModel extends OpenAiModel {
  tuneforge: { architecture: string; parameters: number; source: 'gguf' | 'huggingface'; files: string[] };
}

/** OpenAI's models API over the tenant's model registry: base models, fine-tuned models and their checkpoints. */
@Injectable()
export class ModelsService {
  /** Fine-tuned and checkpoint model names, in the metadata database. */
  private readonly records: ModelRecords;

  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'TF_MAX_MODEL_UPLOAD_BYTES' | 'TF_MODEL_UPLOAD_DIR'>,
    @Inject(DATABASE) database: Database | null,
  ) {
    this.records = new DatabaseModelRecords(requireDatabase(database, 'gateway'));
  }

  registry(tenant: string): ModelRegistry {
    return ModelRegistry.forTenant(this.store, tenant, this.records);
  }

  async list(tenant: string): Promise<OpenAiList<OpenAiModel>> {
    const data = (await this.registry(tenant).list()).map(toOpenAiModel);
    return { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  async retrieve(tenant: string, id: string): Promise<OpenAiModel> {
    return toOpenAiModel(await this.require(tenant, id));
  }

  /**
   * Registers a base model for the tenant, or with an admin key and `scope=operator` for every tenant (Tuneforge
   * extension): the upload is one GGUF file (imported into a Hugging Face directory) or a Hugging Face directory's files. Staged on disk as it streams in, then checked in
   * full (config bounds, safetensors headers, tokenizer, chat template) before anything reaches the store: a bad
   * file is a 400 naming the file and the field, and nothing of it is registered.
   */
  async add(tenant: string, admin: boolean, request: IncomingMessage): Promise<AddedModel> {
    const base = this.config.TF_MODEL_UPLOAD_DIR ?? tmpdir();
    await mkdir(base, { recursive: true });
    const staging = await mkdtemp(join(base, 'tf-model-upload-'));
    try {
      const uploaded = join(staging, 'upload');
      await mkdir(uploaded);
      const { fields, files } = await receiveModelUpload(request, uploaded, this.config.TF_MAX_MODEL_UPLOAD_BYTES);
      const name = fields.name;
      if (!name) throw new InvalidRequestError("Missing required parameter: 'name' (the base model's name).", 'name');
      if (!BASE_MODEL_NAME.test(name) || parseFineTunedModelName(name))
        throw new InvalidRequestError(`'${name}' is not a valid base model name: letters, digits, '.', '_' and '-', up to 128, not an ft: name.`, 'name');
      const scope = fields.scope ?? 'tenant';
      if (scope !== 'tenant' && scope !== 'operator') throw new InvalidRequestError(`scope must be 'tenant' (the default) or 'operator', got '${scope}'.`, 'scope');
      if (scope === 'operator' && !admin) throw new PermissionDeniedError('Only an admin key (TF_ADMIN_API_KEYS) may register a base model for every tenant.', 'scope');
      // The operator's registry for an operator-wide model; the tenant's (which also sees the operator's) otherwise.
      const registry = scope === 'operator' ? ModelRegistry.forOperator(this.store) : this.registry(tenant);
      // Listed, not resolved: resolving an operator-wide name would copy it into the tenant's scope.
      if ((await registry.list()).some((known) => known.id === name)) throw new ConflictError(`A model named ${name} is already registered.`, 'name');

      const gguf = files.length === 1 && files[0].toLowerCase().endsWith('.gguf');
      const dir = gguf ? join(staging, 'imported') : uploaded;
      const summary = await asBadRequest(async () => {
        if (gguf) await importGguf(join(uploaded, files[0]), dir, files[0]);
        return validateHfDirectory(dir);
      });
      if ((await registry.addBaseModel(name, dir)) !== 'registered') throw new ConflictError(`A model named ${name} is already registered.`, 'name');
      const model = (await registry.list()).find((known) => known.id === name)!;
      return { ...toOpenAiModel(model), tuneforge: { architecture: summary.architecture, parameters: summary.parameters, source: gguf ? 'gguf' : 'huggingface', files } };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Forgets a fine-tuned model's name (its files stay with the job); a base model cannot be deleted here. */
  async delete(tenant: string, id: string): Promise<{ id: string; object: 'model'; deleted: true }> {
    const model = await this.require(tenant, id);
    if (model.kind === 'base') throw new InvalidRequestError(`Model ${id} is a base model; only fine-tuned models can be deleted.`, 'model');
    await this.registry(tenant).delete(id);
    return { id, object: 'model', deleted: true };
  }

  /** The model a name stands for in this tenant; another tenant's model, or none, is a 404 naming `model`. */
  async require(tenant: string, id: string): Promise<KnownModel> {
    const model = await this.registry(tenant).resolve(id);
    if (!model) throw new ObjectNotFoundError('model', id, 'model');
    return model;
  }
}

/** A model file the importer refuses is the client's fault: a 400 whose message names the file and the field. */
async function asBadRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ModelImportError) throw new InvalidRequestError(error.message, 'file');
    throw error;
  }
}
