import { SetMetadata } from '@nestjs/common';

export const ADMIN_ROUTE = Symbol('ADMIN_ROUTE');

/** A route only admin keys may call (key and quota management): ApiKeyGuard answers other keys 403. */
export const AdminRoute = () => SetMetadata(ADMIN_ROUTE, true);
