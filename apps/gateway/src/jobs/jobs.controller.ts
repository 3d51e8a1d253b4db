import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { foldBracketedQuery, listFineTuningCheckpointsQuerySchema, listFineTuningEventsQuerySchema, listFineTuningJobsQuerySchema } from '@tuneforge/contracts';
import type { ServerResponse } from 'node:http';
import { Tenant } from '../auth/tenant.decorator';
import { validateRequest } from '../http/validate';
import { EnforceQuota } from '../quotas/enforce-quota';
import { JobsService } from './jobs.service';

/** OpenAI's fine-tuning jobs API, `/v1/fine_tuning/jobs`, plus Tuneforge's approvals endpoints. */
@Controller('v1/fine_tuning/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(200)
  @EnforceQuota('job_create')
  create(@Tenant() tenant: string, @Body() body: unknown) {
    return this.jobs.create(tenant, body);
  }

  @Get()
  list(@Tenant() tenant: string, @Query() query: Record<string, unknown>) {
    // `metadata[key]=value` arrives as a bracketed key with Express 5's default query parser.
    return this.jobs.list(tenant, validateRequest(listFineTuningJobsQuerySchema, foldBracketedQuery(query)));
  }

  @Get(':id')
  retrieve(@Tenant() tenant: string, @Param('id') id: string) {
    return this.jobs.retrieve(tenant, id);
  }

  /** With `stream=true`: server-sent events, every event so far oldest first, then new ones until the job ends. */
  @Get(':id/events')
  async events(@Tenant() tenant: string, @Param('id') id: string, @Query() query: Record<string, unknown>, @Res() response: ServerResponse): Promise<void> {
    const parsed = validateRequest(listFineTuningEventsQuerySchema, query);
    if (parsed.stream === 'true') {
      await this.jobs.streamEvents(tenant, id, response);
      return;
    }
    const body = JSON.stringify(await this.jobs.events(tenant, id, parsed));
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }

  @Get(':id/checkpoints')
  checkpoints(@Tenant() tenant: string, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.jobs.checkpoints(tenant, id, validateRequest(listFineTuningCheckpointsQuerySchema, query));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Tenant() tenant: string, @Param('id') id: string) {
    return this.jobs.control(tenant, id, 'cancel');
  }

  @Post(':id/pause')
  @HttpCode(200)
  pause(@Tenant() tenant: string, @Param('id') id: string) {
    return this.jobs.control(tenant, id, 'pause');
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Tenant() tenant: string, @Param('id') id: string) {
    return this.jobs.control(tenant, id, 'resume');
  }

  @Get(':id/approvals')
  approvals(@Tenant() tenant: string, @Param('id') id: string) {
    return this.jobs.approvals(tenant, id);
  }

  @Post(':id/approvals/:approvalId')
  @HttpCode(200)
  answer(@Tenant() tenant: string, @Param('id') id: string, @Param('approvalId') approvalId: string, @Body() body: unknown) {
    return this.jobs.answer(tenant, id, approvalId, body);
  }
}
