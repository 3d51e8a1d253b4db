import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Tenant } from '../http/tenant';
import { CompletionsService } from './completions.service';

/** OpenAI's legacy `POST /v1/completions`; the answer is written here, whole or as server-sent events. */
@Controller('v1/completions')
export class CompletionsController {
  constructor(private readonly completions: CompletionsService) {}

  @Post()
  create(@Tenant() tenant: string, @Body() body: unknown, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    return this.completions.create(tenant, body, request, response);
  }
}
