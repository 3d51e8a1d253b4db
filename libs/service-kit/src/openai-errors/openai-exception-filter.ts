import { type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import type { Logger } from '@tuneforge/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpErrorResponse } from './openai-error-envelope';

/**
 * Answers every failed HTTP request with OpenAI's error envelope. Registered app-wide (each service subclasses
 * it with `@Catch()` and its mapping), so it also sees failures no controller raised: unknown routes,
 * unparsable bodies, the kit's own endpoints. Bus handlers keep Nest's default handling: their errors decide
 * retries and dead letters, which is the bus's business, not HTTP's.
 */
export abstract class OpenAiExceptionFilterBase implements ExceptionFilter {
  private readonly rpc = new BaseRpcExceptionFilter();

  constructor(protected readonly logger: Logger) {}

  /** The service's mapping of a failure to its answer. */
  protected abstract map(exception: unknown): HttpErrorResponse;

  /** A response whose headers already went out (a download, a stream) cannot change its status: the service says how it ends. */
  protected abstract endStarted(response: ServerResponse, mapped: HttpErrorResponse): void;

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return this.rpc.catch(exception, host);
    const http = host.switchToHttp();
    const request = http.getRequest<IncomingMessage & { originalUrl?: string }>();
    const response = http.getResponse<ServerResponse>();
    const mapped = this.map(exception);
    if (mapped.unexpected) this.logger.error({ err: exception, method: request.method, url: request.originalUrl ?? request.url }, 'request failed');
    if (response.headersSent) return this.endStarted(response, mapped);
    const body = JSON.stringify(mapped.body);
    response.writeHead(mapped.status, { ...mapped.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }
}
