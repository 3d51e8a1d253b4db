import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { Tenant } from '../auth/tenant.decorator';
import { JobIterationsService } from './job-iterations.service';

/** Tuneforge's loop, readable through the API: `.../iterations` and the evaluation `.../report`. */
@Controller('v1/fine_tuning/jobs')
export class JobIterationsController {
  constructor(private readonly iterations: JobIterationsService) {}

  @Get(':id/iterations')
  list(@Tenant() tenant: string, @Param('id') id: string) {
    return this.iterations.list(tenant, id);
  }

  /** `?format=html|json` (default html), `?iteration=n` (default: the latest evaluated iteration). */
  @Get(':id/report')
  async report(@Tenant() tenant: string, @Param('id') id: string, @Query() query: { iteration?: string; format?: string }): Promise<StreamableFile> {
    const { stream, type } = await this.iterations.report(tenant, id, query);
    return new StreamableFile(stream, { type });
  }
}
