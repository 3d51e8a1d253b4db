import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { TENANT_HEADER } from '@tuneforge/contracts';
import { assertValidTenantId } from '@tuneforge/storage';
import type { IncomingMessage } from 'node:http';
import { MissingTenantError } from '../errors/inference-errors';

/** The service kit's probes: orchestrators and scrapers call them directly, without a tenant. */
const KIT_PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

function tenantOf(request: IncomingMessage): string | undefined {
  const value = request.headers[TENANT_HEADER];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Every HTTP route but the probes needs the tenant header the gateway sets after authenticating the caller's API
 * key. The service does no authentication of its own: it must be reachable only from the gateway.
 */
@Injectable()
export class TenantHeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (KIT_PROBE_PATHS.has(new URL(request.url ?? '/', 'http://inference').pathname)) return true;
    const tenant = tenantOf(request);
    if (!tenant) throw new MissingTenantError(TENANT_HEADER);
    assertValidTenantId(tenant);
    return true;
  }
}

/** The tenant the gateway routed the request for; only on routes TenantHeaderGuard protects. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const tenant = tenantOf(context.switchToHttp().getRequest<IncomingMessage>());
  if (!tenant) throw new MissingTenantError(TENANT_HEADER);
  return tenant;
});
