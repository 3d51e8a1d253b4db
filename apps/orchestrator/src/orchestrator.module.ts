import { Module } from '@nestjs/common';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, LOGGER, MESSAGE_BUS } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { JobEvents, WORKFLOW_PUBLISHER } from './jobs/job-events.service';
import { JobHandlers } from './jobs/job.handlers';
import type { WorkflowPublisher } from './workflow/job-graph';
import { BusWorkflowPublisher, JobRunner } from './workflow/job-runner';

@Module({
  controllers: [JobHandlers],
  providers: [
    JobEvents,
    { provide: WORKFLOW_PUBLISHER, inject: [MESSAGE_BUS], useFactory: (bus: MessageBus) => new BusWorkflowPublisher(bus) },
    {
      provide: JobRunner,
      inject: [ARTIFACT_STORE, WORKFLOW_PUBLISHER, LOGGER],
      useFactory: (store: ArtifactStore, publisher: WorkflowPublisher, logger: Logger) => new JobRunner(store, publisher, logger),
    },
  ],
})
export class OrchestratorModule {}
