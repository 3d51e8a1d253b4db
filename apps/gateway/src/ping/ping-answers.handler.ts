import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { pingAnsweredV1, type MessageOf } from '@tuneforge/contracts';
import type { BusEventExtras } from '@tuneforge/messaging';
import { PingRegistry } from './ping-registry';

/** Answers go to every gateway instance (its own consumer group): only the one that asked is waiting. */
@Controller()
export class PingAnswersHandler {
  constructor(private readonly registry: PingRegistry) {}

  @EventPattern(pingAnsweredV1.name, { broadcast: true } satisfies BusEventExtras)
  async onAnswer(@Payload() answer: MessageOf<typeof pingAnsweredV1>): Promise<void> {
    this.registry.record(answer.correlationId, answer.payload);
  }
}
