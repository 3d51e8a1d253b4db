/**
 * The request cannot be diagnosed as sent (an artifact it names is missing or malformed, a curve out of order).
 * Answered with a failed result naming what is wrong; never retried, since sending it again changes nothing.
 */
export class DiagnosisInputError extends Error {
  override readonly name = 'DiagnosisInputError';
}
