import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Database } from '@tuneforge/database';
import { ARTIFACT_STORE, DATABASE, LOGGER, requireDatabase, SERVICE_CONFIG } from '@tuneforge/service-kit';
import { DatabaseModelRecords, type ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { ChatCompletionsController } from './chat/chat-completions.controller';
import { ChatCompletionsService } from './chat/chat-completions.service';
import { CompletionsController } from './completions/completions.controller';
import { CompletionsService } from './completions/completions.service';
import type { InferenceConfig } from './config/inference-config';
import { OpenAiExceptionFilter } from './errors/openai-exception.filter';
import { TenantHeaderGuard } from './http/tenant';
import { LoadedModels } from './models/loaded-models';
import { ModelFiles } from './models/model-files';

@Module({
  controllers: [ChatCompletionsController, CompletionsController],
  providers: [
    ChatCompletionsService,
    CompletionsService,
    {
      provide: LoadedModels,
      inject: [ARTIFACT_STORE, DATABASE, SERVICE_CONFIG, LOGGER],
      useFactory: (store: ArtifactStore, database: Database | null, config: InferenceConfig, logger: Logger) =>
        new LoadedModels(new ModelFiles(store, new DatabaseModelRecords(requireDatabase(database, 'inference')), config.TF_INFERENCE_MODEL_DIR), config.TF_INFERENCE_MEMORY_BUDGET_BYTES, {
          maxSequences: config.TF_INFERENCE_MAX_SEQUENCES,
          maxContext: config.TF_INFERENCE_MAX_CONTEXT,
          threads: config.TF_INFERENCE_THREADS,
        }, logger),
    },
    { provide: APP_GUARD, useClass: TenantHeaderGuard },
    { provide: APP_FILTER, useClass: OpenAiExceptionFilter },
  ],
})
export class InferenceModule {}
