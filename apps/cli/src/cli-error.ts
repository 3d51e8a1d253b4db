import { APIConnectionError, APIError } from 'openai';
import { EXIT, type ExitCode } from './exit-codes';

/** An error the CLI reports as one message and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export class ConnectionError extends CliError {
  constructor(baseUrl: string, cause: string) {
    super(`cannot reach the gateway at ${baseUrl}: ${cause}`, EXIT.connection);
  }
}

/** OpenAI's error envelope `{ error: { message, type, param, code } }`, as far as the CLI reads it. */
export interface OpenAiErrorBody {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}

/** `HTTP 404: No such fine_tuning.job: ftjob-x (param: id)`: the envelope's message and, when it names one, its param. */
export function formatApiError(status: number | undefined, body: OpenAiErrorBody | undefined, fallback: string): string {
  const message = typeof body?.message === 'string' && body.message !== '' ? body.message : fallback;
  const param = typeof body?.param === 'string' && body.param !== '' ? ` (param: ${body.param})` : '';
  return `${status ? `HTTP ${status}: ` : ''}${message}${param}`;
}

export class ApiError extends CliError {
  constructor(
    readonly status: number | undefined,
    readonly body: OpenAiErrorBody | undefined,
    fallback: string,
  ) {
    super(formatApiError(status, body, fallback), EXIT.api);
  }
}

/** Any error thrown while running a command, as the CLI reports it. */
export function toCliError(error: unknown, baseUrl: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof APIConnectionError) return new ConnectionError(baseUrl, describeCause(error));
  if (error instanceof APIError) return new ApiError(error.status, error.error as OpenAiErrorBody | undefined, error.message);
  if (isFetchConnectionFailure(error)) return new ConnectionError(baseUrl, describeCause(error as Error));
  return new CliError(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, EXIT.api);
}

/** Node's fetch fails with `TypeError: fetch failed` and the socket error as its cause. */
export function isFetchConnectionFailure(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'fetch failed';
}

function describeCause(error: Error): string {
  let cause: unknown = error.cause;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : error.message;
}
