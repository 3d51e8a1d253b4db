import { Catch, Inject } from '@nestjs/common';
import { LOGGER, OpenAiExceptionFilterBase, type HttpErrorResponse } from '@tuneforge/service-kit';
import type { Logger } from '@tuneforge/telemetry';
import type { ServerResponse } from 'node:http';
import { toOpenAiError } from './openai-error-mapping';

/** The gateway's failures as OpenAI's error envelope (see OpenAiExceptionFilterBase). */
@Catch()
export class OpenAiExceptionFilter extends OpenAiExceptionFilterBase {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger);
  }

  protected map(exception: unknown): HttpErrorResponse {
    return toOpenAiError(exception);
  }

  /** A download that failed midway: the status is gone; ending the connection tells the client. */
  protected endStarted(response: ServerResponse): void {
    response.destroy();
  }
}
