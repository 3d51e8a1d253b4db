/** What a tenant's use of the deployment is limited by (the columns of the `quotas` table). */
export const QUOTA_NAMES = ['concurrent_jobs', 'stored_bytes', 'trained_tokens_per_day'] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];

/** A limit per quota; null is no limit. */
export type QuotaLimits = Record<QuotaName, number | null>;

export const UNLIMITED: QuotaLimits = { concurrent_jobs: null, stored_bytes: null, trained_tokens_per_day: null };

/**
 * Parses TF_DEFAULT_QUOTAS, `concurrent_jobs=4,stored_bytes=10737418240,trained_tokens_per_day=50000000`: the limits
 * of every tenant without its own. A quota left out (or the variable unset) is unlimited. Throws naming the bad entry.
 */
export function parseDefaultQuotas(value: string | undefined): QuotaLimits {
  const limits: QuotaLimits = { ...UNLIMITED };
  if (value === undefined || value.trim() === '') return limits;
  const seen = new Set<string>();
  for (const [index, entry] of value.split(',').entries()) {
    const [name, number, ...rest] = entry.trim().split('=');
    if (number === undefined || rest.length > 0) throw new Error(`entry ${index + 1} must be name=number`);
    if (!(QUOTA_NAMES as readonly string[]).includes(name)) throw new Error(`entry ${index + 1}: unknown quota "${name}" (known: ${QUOTA_NAMES.join(', ')})`);
    if (!/^\d{1,15}$/.test(number.trim())) throw new Error(`entry ${index + 1}: ${name} must be a whole number >= 0`);
    if (seen.has(name)) throw new Error(`entry ${index + 1} repeats ${name}`);
    seen.add(name);
    limits[name as QuotaName] = Number(number.trim());
  }
  return limits;
}
