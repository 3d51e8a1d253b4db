import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { diagnosisRunRequestedV1, type MessageOf } from '@tuneforge/contracts';
import { DiagnosisService } from './diagnosis.service';

@Controller()
export class DiagnosisHandler {
  constructor(@Inject(DiagnosisService) private readonly diagnosis: DiagnosisService) {}

  @EventPattern(diagnosisRunRequestedV1.name)
  handle(@Payload() request: MessageOf<typeof diagnosisRunRequestedV1>): Promise<void> {
    return this.diagnosis.handle(request);
  }
}
