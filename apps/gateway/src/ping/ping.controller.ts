import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { createMessage, pingRequestedV1, SERVICE_NAMES } from '@tuneforge/contracts';
import type { MessageBus } from '@tuneforge/messaging';
import { MESSAGE_BUS, SERVICE_CONFIG } from '@tuneforge/service-kit';
import { randomUUID } from 'node:crypto';
import { PingRegistry } from './ping-registry';

const SYSTEM_TENANT = 'system';

/**
 * `POST /v1/ping`: asks every service over the bus who is there and reports who answered, with
 * versions, and who did not within the timeout. The end-to-end check of a deployment's wiring. It fans out to
 * every service, so it needs an API key and counts against the key's rate limit like any call; the answers keep
 * each service's name, version and mode, not where it runs (host names and process ids stay inside).
 */
@Controller('v1/ping')
export class PingController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: { TF_PING_TIMEOUT_MS: number },
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly registry: PingRegistry,
  ) {}

  @Post()
  @HttpCode(200)
  async ping() {
    const pingId = `ping-${randomUUID()}`;
    const request = createMessage(pingRequestedV1, { requestedBy: 'gateway' }, { correlationId: pingId, tenant: SYSTEM_TENANT });
    const answers = await this.registry.collect(pingId, SERVICE_NAMES, this.config.TF_PING_TIMEOUT_MS, () => this.bus.publish(pingRequestedV1, request));
    const answered = new Set(answers.map((answer) => answer.service));
    return {
      object: 'ping',
      id: pingId,
      services: [...answers].sort((a, b) => a.service.localeCompare(b.service)).map(({ service, version, mode }) => ({ service, version, mode })),
      missing: SERVICE_NAMES.filter((name) => !answered.has(name)),
    };
  }
}
