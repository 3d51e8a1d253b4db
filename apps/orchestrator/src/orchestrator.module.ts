import { Module } from '@nestjs/common';
import type { Database } from '@tuneforge/database';
import type { MessageBus } from '@tuneforge/messaging';
import { ARTIFACT_STORE, DATABASE, LOGGER, MESSAGE_BUS, requireDatabase, SERVICE_CONFIG } from '@tuneforge/service-kit';
import type { ArtifactStore } from '@tuneforge/storage';
import type { Logger } from '@tuneforge/telemetry';
import { JobEvents, WORKFLOW_PUBLISHER } from './jobs/job-events.service';
import { JobHandlers } from './jobs/job.handlers';
import type { WorkflowPublisher } from './workflow/job-graph';
import { BusWorkflowPublisher, JobRunner } from './workflow/job-runner';
import type { StageDeadlines } from './workflow/stage-deadlines';

@Module({
  controllers: [JobHandlers],
  providers: [
    JobEvents,
    { provide: WORKFLOW_PUBLISHER, inject: [MESSAGE_BUS], useFactory: (bus: MessageBus) => new BusWorkflowPublisher(bus) },
    {
      provide: JobRunner,
      inject: [ARTIFACT_STORE, DATABASE, WORKFLOW_PUBLISHER, LOGGER, SERVICE_CONFIG],
      // Checkpoints, inbox, started jobs and training curves in the metadata database (LangGraph's saver sets its tables up here).
      useFactory: (store: ArtifactStore, database: Database | null, publisher: WorkflowPublisher, logger: Logger, config: { TF_STAGE_DEADLINES?: StageDeadlines }) =>
        JobRunner.open(store, requireDatabase(database, 'orchestrator'), publisher, logger, config.TF_STAGE_DEADLINES),
    },
  ],
})
export class OrchestratorModule {}
