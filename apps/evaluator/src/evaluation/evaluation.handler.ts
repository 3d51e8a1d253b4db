import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { evaluationRunRequestedV1, type MessageOf } from '@tuneforge/contracts';
import { EvaluationRuns } from './evaluation-runs.service';

@Controller()
export class EvaluationHandler {
  constructor(@Inject(EvaluationRuns) private readonly runs: EvaluationRuns) {}

  /** Records and queues the evaluation, then returns: generation never runs inside the consumer callback. */
  @EventPattern(evaluationRunRequestedV1.name)
  requested(@Payload() message: MessageOf<typeof evaluationRunRequestedV1>): Promise<void> {
    return this.runs.accept(message);
  }
}
