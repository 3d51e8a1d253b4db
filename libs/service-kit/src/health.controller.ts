import { Controller, Get, HttpCode, HttpException, HttpStatus, Header, Inject } from '@nestjs/common';
import type { MessageBus } from '@tuneforge/messaging';
import type { ArtifactStore } from '@tuneforge/storage';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusText } from '@tuneforge/telemetry';
import type { ServiceIdentity } from './service-runtime';
import { ARTIFACT_STORE, MESSAGE_BUS, SERVICE_IDENTITY } from './tokens';

const READINESS_TIMEOUT_MS = 3_000;

/** Probes for orchestrators (liveness, readiness) and the Prometheus scrape endpoint. */
@Controller()
export class HealthController {
  constructor(
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /** Alive means the event loop answers; dependencies are readiness's business, not a reason to restart. */
  @Get('healthz')
  healthz() {
    return { status: 'ok', service: this.identity.name, version: this.identity.version };
  }

  @Get('readyz')
  @HttpCode(HttpStatus.OK)
  async readyz() {
    const [bus, storage] = await Promise.all([
      probe(() => this.bus.checkReachable()),
      probe(() => this.store.ping()),
    ]);
    const body = { status: bus.ok && storage.ok ? 'ready' : 'not-ready', service: this.identity.name, checks: { bus, storage } };
    if (!bus.ok || !storage.ok) throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }

  /** The process's OpenTelemetry metrics (messaging, HTTP, the service's own) as Prometheus text. */
  @Get('metrics')
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  async metrics(): Promise<string> {
    return renderPrometheusText();
  }
}

async function probe(check: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS))),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
