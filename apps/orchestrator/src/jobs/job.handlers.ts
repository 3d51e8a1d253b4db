import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  dataPreparationCompletedV1,
  diagnosisRunCompletedV1,
  evaluationRunCompletedV1,
  retrievalIndexCompletedV1,
  jobApprovalAnsweredV1,
  jobControlRequestedV1,
  jobLifecycleCreatedV1,
  trainingCheckpointSavedV1,
  trainingRunCompletedV1,
  trainingRunProgressedV1,
  type MessageOf,
} from '@tuneforge/contracts';
import { JobEvents } from './job-events.service';

/** Thin: each handler hands the validated message to JobEvents. */
@Controller()
export class JobHandlers {
  constructor(@Inject(JobEvents) private readonly jobs: JobEvents) {}

  @EventPattern(jobLifecycleCreatedV1.name)
  created(@Payload() message: MessageOf<typeof jobLifecycleCreatedV1>): Promise<void> {
    return this.jobs.created(message);
  }

  @EventPattern(dataPreparationCompletedV1.name)
  preparationCompleted(@Payload() message: MessageOf<typeof dataPreparationCompletedV1>): Promise<void> {
    return this.jobs.preparationCompleted(message);
  }

  @EventPattern(trainingRunProgressedV1.name)
  trainingProgressed(@Payload() message: MessageOf<typeof trainingRunProgressedV1>): Promise<void> {
    return this.jobs.trainingProgressed(message);
  }

  @EventPattern(trainingCheckpointSavedV1.name)
  checkpointSaved(@Payload() message: MessageOf<typeof trainingCheckpointSavedV1>): Promise<void> {
    return this.jobs.checkpointSaved(message);
  }

  @EventPattern(trainingRunCompletedV1.name)
  trainingCompleted(@Payload() message: MessageOf<typeof trainingRunCompletedV1>): Promise<void> {
    return this.jobs.trainingCompleted(message);
  }

  @EventPattern(evaluationRunCompletedV1.name)
  evaluationCompleted(@Payload() message: MessageOf<typeof evaluationRunCompletedV1>): Promise<void> {
    return this.jobs.evaluationCompleted(message);
  }

  @EventPattern(retrievalIndexCompletedV1.name)
  retrievalCompleted(@Payload() message: MessageOf<typeof retrievalIndexCompletedV1>): Promise<void> {
    return this.jobs.retrievalCompleted(message);
  }

  @EventPattern(diagnosisRunCompletedV1.name)
  diagnosisCompleted(@Payload() message: MessageOf<typeof diagnosisRunCompletedV1>): Promise<void> {
    return this.jobs.diagnosisCompleted(message);
  }

  @EventPattern(jobApprovalAnsweredV1.name)
  approvalAnswered(@Payload() message: MessageOf<typeof jobApprovalAnsweredV1>): Promise<void> {
    return this.jobs.approvalAnswered(message);
  }

  @EventPattern(jobControlRequestedV1.name)
  controlRequested(@Payload() message: MessageOf<typeof jobControlRequestedV1>): Promise<void> {
    return this.jobs.controlRequested(message);
  }
}
