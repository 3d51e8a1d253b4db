import { Catch, Inject } from '@nestjs/common';
import { LOGGER, OpenAiExceptionFilterBase, type HttpErrorResponse } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import type { ServerResponse } from 'node:http';
import { toOpenAiError } from './openai-error-mapping';

/** The inference service's failures as OpenAI's error envelope (see OpenAiExceptionFilterBase). */
@Catch()
export class OpenAiExceptionFilter extends OpenAiExceptionFilterBase {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger);
  }

  protected map(exception: unknown): HttpErrorResponse {
    return toOpenAiError(exception);
  }

  /** A stream that fails after its headers went out gets OpenAI's in-stream error event, then the end of the stream. */
  protected endStarted(response: ServerResponse, mapped: HttpErrorResponse): void {
    if (!response.writableEnded) response.end(`data: ${JSON.stringify(mapped.body)}\n\n`);
  }
}
