import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { trainingRunControlV1, trainingRunRequestedV1, type MessageOf } from '@tuneforge/contracts';
import { TrainingRuns } from './training-runs.service';

@Controller()
export class TrainingHandlers {
  constructor(@Inject(TrainingRuns) private readonly runs: TrainingRuns) {}

  /** Launches the pod and returns: training never runs inside the callback. */
  @EventPattern(trainingRunRequestedV1.name)
  requested(@Payload() message: MessageOf<typeof trainingRunRequestedV1>): Promise<void> {
    return this.runs.start(message);
  }

  /** Every trainer instance hears control: the one that launched the run hands it to its pod. */
  @EventPattern(trainingRunControlV1.name, { broadcast: true })
  control(@Payload() message: MessageOf<typeof trainingRunControlV1>): void {
    this.runs.control(message);
  }
}
