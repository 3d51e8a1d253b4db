import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { LOGGER } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toOpenAiError } from './openai-error-mapping';

/**
 * Registered app-wide, so it also sees failures no controller raised (unknown routes, unparsable bodies). A
 * stream that fails after its headers went out gets OpenAI's in-stream error event, then the end of the stream.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly rpc = new BaseRpcExceptionFilter();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return this.rpc.catch(exception, host);
    const http = host.switchToHttp();
    const request = http.getRequest<IncomingMessage & { originalUrl?: string }>();
    const response = http.getResponse<ServerResponse>();
    const mapped = toOpenAiError(exception);
    if (mapped.unexpected) this.logger.error({ err: exception, method: request.method, url: request.originalUrl ?? request.url }, 'request failed');
    if (response.headersSent) {
      if (!response.writableEnded) response.end(`data: ${JSON.stringify(mapped.body)}\n\n`);
      return;
    }
    const body = JSON.stringify(mapped.body);
    response.writeHead(mapped.status, { ...mapped.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }
}
