/** One setting that differs between two configurations, by its dotted path (`training.epochs`). */
export interface ConfigChange {
  path: string;
  before: unknown;
  after: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What changed from one iteration's configuration to the next: every leaf whose value differs (arrays compared whole),
 * added or removed keys included, sorted by path.
 */
export function diffConfigs(before: unknown, after: unknown, prefix = ''): ConfigChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffConfigs(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: prefix, before, after }];
}
