import { Inject, Injectable } from '@nestjs/common';
import type { OpenAiList } from '@tuneforge/contracts';
import { ARTIFACT_STORE } from '@tuneforge/service-kit';
import { ModelRegistry, type ArtifactStore, type KnownModel } from '@tuneforge/storage';
import { InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';

/** OpenAI's `model` object. */
export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const toOpenAiModel = (model: KnownModel): OpenAiModel => ({ id: model.id, object: 'model', created: model.created, owned_by: model.owned_by });

/** OpenAI's models API over the tenant's model registry: base models, fine-tuned models and their checkpoints. */
@Injectable()
export class ModelsService {
  constructor(@Inject(ARTIFACT_STORE) private readonly store: ArtifactStore) {}

  registry(tenant: string): ModelRegistry {
    return new ModelRegistry(this.store.forTenant(tenant), tenant);
  }

  async list(tenant: string): Promise<OpenAiList<OpenAiModel>> {
    const data = (await this.registry(tenant).list()).map(toOpenAiModel);
    return { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  async retrieve(tenant: string, id: string): Promise<OpenAiModel> {
    return toOpenAiModel(await this.require(tenant, id));
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
