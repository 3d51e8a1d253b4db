import { Controller, Get, Param, StreamableFile } from '@nestjs/common';
import { Tenant } from '../auth/tenant.decorator';
import { JobArtifactsService } from './job-artifacts.service';

/**
 * Downloads of a succeeded job's results (a Tuneforge extension): `GET .../{id}/artifacts` lists them
 * with their files, `GET .../{id}/artifacts/{name}` describes one, and
 * `GET .../{id}/artifacts/{name}/files/{path}` streams one of its files.
 */
@Controller('v1/fine_tuning/jobs')
export class JobArtifactsController {
  constructor(private readonly artifacts: JobArtifactsService) {}

  @Get(':id/artifacts')
  list(@Tenant() tenant: string, @Param('id') id: string) {
    return this.artifacts.list(tenant, id);
  }

  @Get(':id/artifacts/:name')
  retrieve(@Tenant() tenant: string, @Param('id') id: string, @Param('name') name: string) {
    return this.artifacts.retrieve(tenant, id, name);
  }

  @Get(':id/artifacts/:name/files/:path')
  async file(@Tenant() tenant: string, @Param('id') id: string, @Param('name') name: string, @Param('path') path: string): Promise<StreamableFile> {
    const { file, stream } = await this.artifacts.file(tenant, id, name, path);
    const filename = file.path.slice(file.path.lastIndexOf('/') + 1);
    return new StreamableFile(stream, {
      type: 'application/octet-stream',
      length: file.bytes,
      disposition: `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
    });
  }
}
