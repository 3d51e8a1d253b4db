import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Tenant } from '../auth/tenant.decorator';
import { GradersService } from './graders.service';

/** OpenAI's alpha graders API, `/v1/fine_tuning/alpha/graders`: check a grader, or score one sample with it. */
@Controller('v1/fine_tuning/alpha/graders')
export class GradersController {
  constructor(private readonly graders: GradersService) {}

  @Post('validate')
  @HttpCode(200)
  validate(@Body() body: unknown) {
    return this.graders.validate(body);
  }

  @Post('run')
  @HttpCode(200)
  run(@Tenant() tenant: string, @Body() body: unknown) {
    return this.graders.run(tenant, body);
  }
}
