import { Controller, Get, Inject } from '@nestjs/common';
import { SERVICE_IDENTITY, type ServiceIdentity } from '@tuneforge/service-kit';
import { PublicRoute } from '../auth/public-route';
import { buildOpenApiDocument } from './openapi-document';

@Controller('v1/openapi.json')
@PublicRoute()
export class OpenApiController {
  private readonly document: ReturnType<typeof buildOpenApiDocument>;

  constructor(@Inject(SERVICE_IDENTITY) identity: ServiceIdentity) {
    this.document = buildOpenApiDocument(identity.version);
  }

  @Get()
  get() {
    return this.document;
  }
}
