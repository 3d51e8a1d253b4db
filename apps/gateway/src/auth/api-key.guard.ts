import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InvalidApiKeyError, MissingApiKeyError, PermissionDeniedError, RateLimitedError } from '../errors/gateway-errors';
import { ADMIN_ROUTE } from './admin-route';
import { ApiKeyService } from './api-key.service';
import { PUBLIC_ROUTE } from './public-route';
import { RateLimiter } from './rate-limiter';
import { ADMIN_REQUEST, TENANT_OF_REQUEST, type AuthenticatedRequest } from './tenant.decorator';

/** The service kit's probes: orchestrators and scrapers call them without credentials. */
const KIT_PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Every HTTP route needs `Authorization: Bearer <key>` unless it is marked public: the key, looked up in the
 * database by its hash (ApiKeyService: a found key is cached 30 s, so a revocation elsewhere takes effect within
 * 30 s), decides the tenant; each key's request rate is capped; admin routes need an admin key. Bus handlers are
 * not HTTP and pass through.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // The path exactly as Express routes it: URL parsing would turn `/v1/files/..\\..\\healthz` into `/healthz`
    // and let a request to a protected route through as a probe.
    if (KIT_PROBE_PATHS.has((request.url ?? '/').split('?')[0])) return true;

    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new MissingApiKeyError();
    const caller = await this.keys.callerOf(match[1]);
    if (!caller) throw new InvalidApiKeyError();
    const retryAfterSeconds = this.limiter.take(caller.keyId);
    if (retryAfterSeconds > 0) throw new RateLimitedError(this.limiter.perMinute, retryAfterSeconds);
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets) && !caller.admin) {
      throw new PermissionDeniedError('This endpoint needs an admin key (TF_ADMIN_API_KEYS, or a key created with "admin": true).', null);
    }
    request[TENANT_OF_REQUEST] = caller.tenant;
    request[ADMIN_REQUEST] = caller.admin;
    return true;
  }
}
