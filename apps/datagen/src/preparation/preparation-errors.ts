import { MAX_PREPARATION_ERRORS, type PreparationError } from '@tuneforge/contracts';
import type { DatasetError } from '@tuneforge/datasets';

/** A dataset error as the result event carries it: the field path is `field`, and `received` stays short. */
export function toPreparationError(error: DatasetError): PreparationError {
  const json = error.toJSON();
  return {
    code: json.code,
    file: json.file,
    ...(json.line !== undefined && { line: json.line }),
    ...(json.row !== undefined && { row: json.row }),
    field: json.path,
    expected: json.expected,
    ...(json.received !== undefined && { received: json.received.slice(0, 200) }),
  };
}

/** The listed errors of a failed result (the first ones, in file order) and how many there were in all. */
export function cappedErrors(errors: readonly PreparationError[]): { errors: PreparationError[]; errorCount: number } {
  return { errors: errors.slice(0, MAX_PREPARATION_ERRORS), errorCount: errors.length };
}
