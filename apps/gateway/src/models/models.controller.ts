import { Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { IsAdmin, Tenant } from '../auth/tenant.decorator';
import { ModelsService } from './models.service';

/** OpenAI's models API, `/v1/models`: what this tenant can fine-tune from and (once served) call. */
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  list(@Tenant() tenant: string) {
    return this.models.list(tenant);
  }

  /** Registers a base model (Tuneforge extension): multipart `name`, optional `scope` (`tenant`, or `operator` with an admin key) and `file` parts, streamed, never body-parsed. */
  @Post()
  @HttpCode(200)
  add(@Tenant() tenant: string, @IsAdmin() admin: boolean, @Req() request: IncomingMessage) {
    return this.models.add(tenant, admin, request);
  }

  @Get(':id')
  retrieve(@Tenant() tenant: string, @Param('id') id: string) {
    return this.models.retrieve(tenant, id);
  }

  @Delete(':id')
  delete(@Tenant() tenant: string, @Param('id') id: string) {
    return this.models.delete(tenant, id);
  }
}
