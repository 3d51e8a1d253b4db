import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, StreamableFile } from '@nestjs/common';
import { listFilesQuerySchema } from '@tuneforge/contracts';
import type { IncomingMessage } from 'node:http';
import { Tenant } from '../auth/tenant.decorator';
import { validateRequest } from '../http/validate';
import { EnforceQuota } from '../quotas/enforce-quota';
import { FilesService } from './files.service';

/** OpenAI's Files API: `/v1/files`. */
@Controller('v1/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  /** The multipart body is read here, as a stream: no body parser buffers it first. */
  @Post()
  @HttpCode(200)
  @EnforceQuota('file_upload')
  upload(@Tenant() tenant: string, @Req() request: IncomingMessage) {
    return this.files.upload(tenant, request);
  }

  @Get()
  list(@Tenant() tenant: string, @Query() query: Record<string, unknown>) {
    return this.files.list(tenant, validateRequest(listFilesQuerySchema, query));
  }

  @Get(':id')
  retrieve(@Tenant() tenant: string, @Param('id') id: string) {
    return this.files.retrieve(tenant, id);
  }

  @Get(':id/content')
  async content(@Tenant() tenant: string, @Param('id') id: string): Promise<StreamableFile> {
    const { record, stream } = await this.files.content(tenant, id);
    return new StreamableFile(stream, {
      type: record.content_type,
      length: record.bytes,
      disposition: `attachment; filename*=UTF-8''${encodeURIComponent(record.filename)}`,
    });
  }

  @Delete(':id')
  delete(@Tenant() tenant: string, @Param('id') id: string) {
    return this.files.delete(tenant, id);
  }
}
