import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Database } from '@tuneforge/database';
import { DATABASE, LOGGER, requireDatabase, SERVICE_CONFIG, SERVICE_IDENTITY, type ServiceIdentity } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import { AdminController } from './admin/admin.controller';
import { DeadLettersService } from './admin/dead-letters.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyService } from './auth/api-key.service';
import { ApiKeyRegistry } from './auth/api-keys';
import { RateLimiter } from './auth/rate-limiter';
import type { GatewayConfig } from './config/gateway-config';
import { DashboardModule } from './dashboard/dashboard.module';
import { defaultDashboardBundleDir } from './dashboard/dashboard-bundle';
import { OpenAiExceptionFilter } from './errors/openai-exception.filter';
import { FileRepository } from './files/file-repository';
import { FilesController } from './files/files.controller';
import { FilesService } from './files/files.service';
import { GradersController } from './graders/graders.controller';
import { GradersService } from './graders/graders.service';
import { InferenceController } from './inference/inference.controller';
import { InferenceProxyService } from './inference/inference-proxy.service';
import { JobArtifactsController } from './jobs/job-artifacts.controller';
import { JobArtifactsService } from './jobs/job-artifacts.service';
import { JobDataReportController } from './jobs/job-data-report.controller';
import { JobDataReportService } from './jobs/job-data-report.service';
import { JobEventNotifier } from './jobs/job-event-notifier';
import { JobIterationsController } from './jobs/job-iterations.controller';
import { JobIterationsService } from './jobs/job-iterations.service';
import { JobProjectionsHandler } from './jobs/job-projections.handler';
import { JobRepository } from './jobs/job-repository';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import { ModelsController } from './models/models.controller';
import { ModelsService } from './models/models.service';
import { OpenApiController } from './openapi/openapi.controller';
import { OutboxRelay } from './outbox/outbox-relay';
import { PingAnswersHandler } from './ping/ping-answers.handler';
import { PingController } from './ping/ping.controller';
import { PingRegistry } from './ping/ping-registry';
import { QuotaService } from './quotas/quota.service';

@Module({
  // The web dashboard's static build at `/` (apps/dashboard); it calls the API below like any client.
  imports: [DashboardModule.forBundle(defaultDashboardBundleDir())],
  controllers: [PingController, PingAnswersHandler, FilesController, JobsController, JobArtifactsController, JobIterationsController, JobDataReportController, JobProjectionsHandler, ModelsController, InferenceController, GradersController, OpenApiController, AdminController],
  providers: [
    PingRegistry,
    FileRepository,
    JobRepository,
    JobEventNotifier,
    OutboxRelay,
    FilesService,
    JobsService,
    JobArtifactsService,
    JobIterationsService,
    JobDataReportService,
    ModelsService,
    InferenceProxyService,
    GradersService,
    DeadLettersService,
    {
      // API keys live in the database; the environment's keys are written into it (hashed) before the gateway serves.
      provide: ApiKeyService,
      inject: [DATABASE, SERVICE_CONFIG, SERVICE_IDENTITY, LOGGER],
      useFactory: async (database: Database | null, config: GatewayConfig, identity: ServiceIdentity, logger: Logger) => {
        const keys = new ApiKeyService(requireDatabase(database, 'gateway'));
        const added = await keys.seed(ApiKeyRegistry.fromConfig(config.TF_API_KEYS, identity.mode, config.TF_ADMIN_API_KEYS), identity.mode);
        if (added > 0) logger.info({ added }, 'API keys from the environment written into the database');
        return keys;
      },
    },
    {
      provide: QuotaService,
      inject: [DATABASE, SERVICE_CONFIG],
      useFactory: (database: Database | null, config: GatewayConfig) => new QuotaService(requireDatabase(database, 'gateway'), config.TF_DEFAULT_QUOTAS),
    },
    { provide: RateLimiter, inject: [SERVICE_CONFIG], useFactory: (config: GatewayConfig) => new RateLimiter(config.TF_RATE_LIMIT_PER_MINUTE) },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_FILTER, useClass: OpenAiExceptionFilter },
  ],
})
export class GatewayModule {}
