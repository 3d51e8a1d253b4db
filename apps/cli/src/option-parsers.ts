import { InvalidArgumentError } from 'commander';

/** Commander parsers: a bad value is a usage error (exit 2) that says what was expected. */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(value);
}

export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number of at least 0');
  return Number(value);
}

export function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a number greater than 0');
  return number;
}

/** `--temperature`: OpenAI's range, 0 to 2. */
export function temperature(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 2) throw new InvalidArgumentError('expected a number from 0 to 2');
  return number;
}

/** `--edit '{"learning_rate": 0.0001}'`: a JSON object. */
export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`expected a JSON object: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object, e.g. {"key": "value"}');
  return parsed as Record<string, unknown>;
}

/** A quota limit for `admin quotas set`: a whole number, or `default` (the deployment's default applies again). */
export function quotaLimit(value: string): number | 'default' {
  // Not null for `default`: commander turns an option's null into ''.
  if (value.trim() === 'default') return 'default';
  if (!/^\d{1,15}$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number of at least 0, or "default"');
  return Number(value);
}
