import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Tenant } from '../auth/tenant.decorator';
import { InferenceProxyService } from './inference-proxy.service';

/**
 * OpenAI's generation endpoints, served by the inference service: the gateway authenticates (and rate-limits)
 * the caller and routes the request with its tenant.
 */
@Controller('v1')
export class InferenceController {
  constructor(private readonly proxy: InferenceProxyService) {}

  @Post('chat/completions')
  chatCompletions(@Tenant() tenant: string, @Body() body: unknown, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    return this.proxy.forward('/v1/chat/completions', tenant, body, request, response);
  }

  @Post('completions')
  completions(@Tenant() tenant: string, @Body() body: unknown, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    return this.proxy.forward('/v1/completions', tenant, body, request, response);
  }
}
