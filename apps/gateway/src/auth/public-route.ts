import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = Symbol('PUBLIC_ROUTE');

/** A route anyone may call without an API key; it must not reveal any tenant's data. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
