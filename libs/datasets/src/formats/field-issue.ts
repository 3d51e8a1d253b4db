import type { z } from 'zod';
import { previewValue } from '../errors/dataset-error';

/** A problem inside one record, before it is tied to a file and line. */
export interface FieldIssue {
  path: string;
  expected: string;
  received?: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function joinPath(prefix: string, suffix: string): string {
  if (!prefix) return suffix;
  if (!suffix) return prefix;
  return suffix.startsWith('[') ? `${prefix}${suffix}` : `${prefix}.${suffix}`;
}

/** Turns zod's issues into field issues, reading the offending value back from the input for the preview. */
export function issuesFromZod(error: z.ZodError, input: unknown, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [...issue.path];
    let expected = issue.message;
    if (issue.code === 'unrecognized_keys') {
      expected = `no field named ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue) {
      expected = `a known ${String(issue.discriminator ?? 'variant')}`;
    } else if (issue.code === 'invalid_type') {
      expected = `${issue.expected}`;
    }
    return { path: joinPath(prefix, formatPath(path)), expected, received: previewValue(valueAt(input, path)) };
  });
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
