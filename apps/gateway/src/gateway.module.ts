import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { SERVICE_CONFIG, SERVICE_IDENTITY, type ServiceIdentity } from '@tuneforge/service-kit';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyRegistry } from './auth/api-keys';
import { RateLimiter } from './auth/rate-limiter';
import type { GatewayConfig } from './config/gateway-config';
import { OpenAiExceptionFilter } from './errors/openai-exception.filter';
import { FilesController } from './files/files.controller';
import { FilesService } from './files/files.service';
import { InferenceController } from './inference/inference.controller';
import { InferenceProxyService } from './inference/inference-proxy.service';
import { JobArtifactsController } from './jobs/job-artifacts.controller';
import { JobArtifactsService } from './jobs/job-artifacts.service';
import { JobIterationsController } from './jobs/job-iterations.controller';
import { JobIterationsService } from './jobs/job-iterations.service';
import { JobProjectionsHandler } from './jobs/job-projections.handler';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import { ModelsController } from './models/models.controller';
import { ModelsService } from './models/models.service';
import { OpenApiController } from './openapi/openapi.controller';
import { PingAnswersHandler } from './ping/ping-answers.handler';
import { PingController } from './ping/ping.controller';
import { PingRegistry } from './ping/ping-registry';

@Module({
  controllers: [PingController, PingAnswersHandler, FilesController, JobsController, JobArtifactsController, JobIterationsController, JobProjectionsHandler, ModelsController, InferenceController, OpenApiController],
  providers: [
    PingRegistry,
    FilesService,
    JobsService,
    JobArtifactsService,
    JobIterationsService,
    ModelsService,
    InferenceProxyService,
    {
      provide: ApiKeyRegistry,
      inject: [SERVICE_CONFIG, SERVICE_IDENTITY],
      useFactory: (config: GatewayConfig, identity: ServiceIdentity) => ApiKeyRegistry.fromConfig(config.TF_API_KEYS, identity.mode, config.TF_ADMIN_API_KEYS),
    },
    { provide: RateLimiter, inject: [SERVICE_CONFIG], useFactory: (config: GatewayConfig) => new RateLimiter(config.TF_RATE_LIMIT_PER_MINUTE) },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_FILTER, useClass: OpenAiExceptionFilter },
  ],
})
export class GatewayModule {}
