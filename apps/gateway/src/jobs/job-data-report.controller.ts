import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { Tenant } from '../auth/tenant.decorator';
import { JobDataReportService } from './job-data-report.service';

/** The quality report of a job's training data (a Tuneforge extension), as the dashboard's Data page reads it. */
@Controller('v1/fine_tuning/jobs')
export class JobDataReportController {
  constructor(private readonly reports: JobDataReportService) {}

  /** `?format=json|html` (default json), `?iteration=n` (default: the latest trained iteration). */
  @Get(':id/data_report')
  async report(@Tenant() tenant: string, @Param('id') id: string, @Query() query: { iteration?: string; format?: string }): Promise<StreamableFile> {
    const { stream, type } = await this.reports.report(tenant, id, query);
    return new StreamableFile(stream, { type });
  }
}
