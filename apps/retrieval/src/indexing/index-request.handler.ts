import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { retrievalIndexRequestedV1, type MessageOf } from '@tuneforge/contracts';
import { IndexingService } from './indexing.service';

@Controller()
export class IndexRequestHandler {
  constructor(@Inject(IndexingService) private readonly indexing: IndexingService) {}

  @EventPattern(retrievalIndexRequestedV1.name)
  handle(@Payload() request: MessageOf<typeof retrievalIndexRequestedV1>): Promise<void> {
    return this.indexing.index(request);
  }
}
