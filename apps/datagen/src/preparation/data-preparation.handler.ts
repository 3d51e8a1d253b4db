import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { dataPreparationRequestedV1, type MessageOf } from '@tuneforge/contracts';
import { DataPreparationService } from './data-preparation.service';

@Controller()
export class DataPreparationHandler {
  constructor(@Inject(DataPreparationService) private readonly preparation: DataPreparationService) {}

  @EventPattern(dataPreparationRequestedV1.name)
  handle(@Payload() request: MessageOf<typeof dataPreparationRequestedV1>): Promise<void> {
    return this.preparation.prepare(request);
  }
}
