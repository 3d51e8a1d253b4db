import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InvalidApiKeyError, MissingApiKeyError, RateLimitedError } from '../errors/gateway-errors';
import { ApiKeyRegistry } from './api-keys';
import { PUBLIC_ROUTE } from './public-route';
import { RateLimiter } from './rate-limiter';
import { ADMIN_REQUEST, TENANT_OF_REQUEST, type AuthenticatedRequest } from './tenant.decorator';

/** The service kit's probes: orchestrators and scrapers call them without credentials. */
const KIT_PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Every HTTP route needs `Authorization: Bearer <key>` unless it is marked public: the key decides
 * the tenant, and each key's request rate is capped. Bus handlers are not HTTP and pass through.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRegistry,
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // The path exactly as Express routes it: URL parsing would turn `/v1/files/..\\..\\healthz` into `/healthz`
    // and let a request to a protected route through as a probe.
    if (KIT_PROBE_PATHS.has((request.url ?? '/').split('?')[0])) return true;

    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new MissingApiKeyError();
    const caller = this.keys.callerOf(match[1]);
    if (!caller) throw new InvalidApiKeyError();
    const retryAfterSeconds = this.limiter.take(match[1]);
    if (retryAfterSeconds > 0) throw new RateLimitedError(this.limiter.perMinute, retryAfterSeconds);
    request[TENANT_OF_REQUEST] = caller.tenant;
    request[ADMIN_REQUEST] = caller.admin;
    return true;
  }
}
