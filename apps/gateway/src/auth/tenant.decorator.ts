import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

/** Where ApiKeyGuard leaves the caller's tenant on the request. */
export const TENANT_OF_REQUEST = Symbol('TENANT_OF_REQUEST');

export type AuthenticatedRequest = IncomingMessage & { [TENANT_OF_REQUEST]?: string };

/** The tenant of the API key the request came with; only on routes the guard protects. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const tenant = context.switchToHttp().getRequest<AuthenticatedRequest>()[TENANT_OF_REQUEST];
  if (!tenant) throw new Error('@Tenant() used on a route that ApiKeyGuard does not protect');
  return tenant;
});
