/**
 * Failures the inference service reports on purpose. Each carries a code, so the exception filter maps them to
 * HTTP exhaustively, without matching on messages.
 */
export type InferenceErrorCode = 'INVALID_REQUEST' | 'MISSING_TENANT' | 'MODEL_NOT_FOUND' | 'OVERLOADED' | 'INVALID_TOOL_CALL';

export abstract class InferenceError extends Error {
  abstract readonly code: InferenceErrorCode;
}

/** The request is wrong; `param` names the field at fault (dotted for nested JSON), null when none is. */
export class InvalidRequestError extends InferenceError {
  override readonly name = 'InvalidRequestError';
  readonly code = 'INVALID_REQUEST';
  constructor(
    message: string,
    readonly param: string | null,
    /** OpenAI's machine-readable reason where it has one (`context_length_exceeded`). */
    readonly openAiCode: string | null = null,
  ) {
    super(message);
  }
}

/** A request that did not come through the gateway: only the gateway says whose request it is. */
export class MissingTenantError extends InferenceError {
  override readonly name = 'MissingTenantError';
  readonly code = 'MISSING_TENANT';
  constructor(header: string) {
    super(`This service is reached through the gateway, which authenticates the caller and sets ${header}.`);
  }
}

/** An unknown model and another tenant's model read the same: the other tenant's model is not revealed. */
export class ModelNotFoundError extends InferenceError {
  override readonly name = 'ModelNotFoundError';
  readonly code = 'MODEL_NOT_FOUND';
  constructor(readonly model: string) {
    super(`The model \`${model}\` does not exist or you do not have access to it.`);
  }
}

/** No room now: every loaded model is busy and the one asked for does not fit the memory budget beside them. */
export class OverloadedError extends InferenceError {
  override readonly name = 'OverloadedError';
  readonly code = 'OVERLOADED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** tool_choice required or named, and the model's output held no valid call of the tool asked for. */
export class InvalidToolCallError extends InferenceError {
  override readonly name = 'InvalidToolCallError';
  readonly code = 'INVALID_TOOL_CALL';
}
