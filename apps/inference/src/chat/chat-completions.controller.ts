import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Tenant } from '../http/tenant';
import { ChatCompletionsService } from './chat-completions.service';

/** OpenAI's `POST /v1/chat/completions`; the answer is written here, whole or as server-sent events. */
@Controller('v1/chat/completions')
export class ChatCompletionsController {
  constructor(private readonly chat: ChatCompletionsService) {}

  @Post()
  create(@Tenant() tenant: string, @Body() body: unknown, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    return this.chat.create(tenant, body, request, response);
  }
}
