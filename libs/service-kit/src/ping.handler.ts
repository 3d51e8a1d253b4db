import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { createMessage, pingAnsweredV1, pingRequestedV1, type MessageOf } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { hostname } from 'node:os';
import type { ServiceIdentity } from './service-runtime';
import { MESSAGE_BUS, SERVICE_IDENTITY } from './tokens';

/** Every service answers a ping with who it is: the cheapest proof that it is wired to the bus. */
@Controller()
export class PingHandler {
  constructor(
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  @EventPattern(pingRequestedV1.name)
  async answer(@Payload() ping: MessageOf<typeof pingRequestedV1>): Promise<void> {
    const answer = createMessage(
      pingAnsweredV1,
      {
        service: this.identity.name,
        version: this.identity.version,
        instanceId: this.identity.instanceId,
        hostname: hostname(),
        pid: process.pid,
        mode: this.identity.mode,
      },
      { correlationId: ping.correlationId, tenant: ping.tenant, causedBy: ping },
    );
    await this.bus.publish(pingAnsweredV1, answer);
  }
}
