import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

/** Where ApiKeyGuard leaves the caller's tenant on the request. */
export const TENANT_OF_REQUEST = Symbol('TENANT_OF_REQUEST');

/** Where ApiKeyGuard marks a request made with an admin key. */
export const ADMIN_REQUEST = Symbol('ADMIN_REQUEST');

export type AuthenticatedRequest = IncomingMessage & { [TENANT_OF_REQUEST]?: string; [ADMIN_REQUEST]?: boolean };

/** The tenant of the API key the request came with; only on routes the guard protects. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const tenant = context.switchToHttp().getRequest<AuthenticatedRequest>()[TENANT_OF_REQUEST];
  if (!tenant) throw new Error('@Tenant() used on a route that ApiKeyGuard does not protect');
  return tenant;
});

/** Whether the request came with an admin key (TF_ADMIN_API_KEYS, or one created with `admin: true`). */
export const IsAdmin = createParamDecorator((_: unknown, context: ExecutionContext): boolean => context.switchToHttp().getRequest<AuthenticatedRequest>()[ADMIN_REQUEST] === true);
