import { UsageError } from '../cli-error';
import { EXIT } from '../exit-codes';
import { QUOTA_NAMES, type ApiKeyEntry, type DeadLetterEntry, type QuotaName, type TenantQuotas } from '../gateway-client';
import type { CommandContext, CommandResult } from './command-context';

const time = (seconds: number | null) => (seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : '-');

/**
 * `tuneforge admin keys create --tenant T [--name N] [--admin]`: prints the new key on stdout (the only time it is
 * shown: the gateway keeps its hash) and what it is on stderr; `--json` prints the API object, key included.
 */
export async function createKeyCommand(ctx: CommandContext, options: { tenant: string; name?: string; admin?: boolean; json?: boolean }): CommandResult {
  const created = await ctx.client.createApiKey({ tenant: options.tenant, ...(options.name ? { name: options.name } : {}), ...(options.admin ? { admin: true } : {}) });
  if (options.json) {
    ctx.io.out(JSON.stringify(created, null, 2));
    return EXIT.ok;
  }
  ctx.io.err(`created ${created.admin ? 'admin ' : ''}key ${created.id} for tenant ${created.tenant}; it is shown only this once, keep it now`);
  ctx.io.out(created.key);
  return EXIT.ok;
}

/** `tuneforge admin keys list [--tenant T]`: one line per key (id, tenant, hint, admin, state, created, name); never a key. */
export async function listKeysCommand(ctx: CommandContext, options: { tenant?: string; json?: boolean }): CommandResult {
  const keys = await ctx.client.listApiKeys(options.tenant);
  if (options.json) ctx.io.out(JSON.stringify(keys, null, 2));
  else for (const key of keys) ctx.io.out(describeKey(key));
  return EXIT.ok;
}

export function describeKey(key: ApiKeyEntry): string {
  const state = key.revoked_at ? `revoked ${time(key.revoked_at)}` : 'active';
  return [key.id, key.tenant, `${key.key_hint}…`, key.admin ? 'admin' : '-', state, time(key.created_at), key.name ?? '-'].join('\t');
}

/** `tuneforge admin keys revoke ID`: the key stops working (within 30 s on every gateway instance). */
export async function revokeKeyCommand(ctx: CommandContext, id: string): CommandResult {
  const key = await ctx.client.revokeApiKey(id);
  ctx.io.out(`${key.id} revoked ${time(key.revoked_at)} (tenant ${key.tenant}, ${key.key_hint}…)`);
  return EXIT.ok;
}

/** `tuneforge admin quotas get T`: each quota's usage and limit, and where the limit comes from. */
export async function getQuotasCommand(ctx: CommandContext, tenant: string, options: { json?: boolean }): CommandResult {
  const quotas = await ctx.client.getQuotas(tenant);
  if (options.json) ctx.io.out(JSON.stringify(quotas, null, 2));
  else for (const line of describeQuotas(quotas)) ctx.io.out(line);
  return EXIT.ok;
}

export function describeQuotas(quotas: TenantQuotas): string[] {
  return QUOTA_NAMES.map((name) => {
    const { limit, override, usage } = quotas[name];
    const source = override !== null ? 'tenant' : limit !== null ? 'default' : '-';
    return [name, `${usage}`, limit === null ? 'unlimited' : `${limit}`, source].join('\t');
  });
}

/** How `admin quotas set` names each quota. */
export const QUOTA_OPTIONS: ReadonlyArray<{ name: QuotaName; flag: string; option: 'concurrentJobs' | 'storedBytes' | 'trainedTokensPerDay' }> = [
  { name: 'concurrent_jobs', flag: '--concurrent-jobs', option: 'concurrentJobs' },
  { name: 'stored_bytes', flag: '--stored-bytes', option: 'storedBytes' },
  { name: 'trained_tokens_per_day', flag: '--trained-tokens-per-day', option: 'trainedTokensPerDay' },
];

export type SetQuotasOptions = Partial<Record<(typeof QUOTA_OPTIONS)[number]['option'], number | 'default'>> & { json?: boolean };

/**
 * `tuneforge admin quotas set T --concurrent-jobs N --stored-bytes N --trained-tokens-per-day N`: a number is the
 * tenant's own limit, `default` returns it to the deployment's; quotas not named stay as they are. Prints the result as `get`.
 */
export async function setQuotasCommand(ctx: CommandContext, tenant: string, options: SetQuotasOptions): CommandResult {
  const limits: Partial<Record<QuotaName, number | null>> = {};
  for (const { name, option } of QUOTA_OPTIONS) {
    const value = options[option];
    if (value !== undefined) limits[name] = value === 'default' ? null : value;
  }
  if (Object.keys(limits).length === 0) throw new UsageError(`admin quotas set: name at least one of ${QUOTA_OPTIONS.map((q) => q.flag).join(', ')}`);
  const quotas = await ctx.client.setQuotas(tenant, limits);
  if (options.json) ctx.io.out(JSON.stringify(quotas, null, 2));
  else for (const line of describeQuotas(quotas)) ctx.io.out(line);
  return EXIT.ok;
}

/**
 * `tuneforge admin dlq list [--topic T] [--group G] [--all] [--limit N]`: one line per dead letter (id, failed, topic,
 * partition/offset, group, reason, attempts, replayed, error), newest first; pending ones unless --all.
 */
export async function listDeadLettersCommand(ctx: CommandContext, options: { topic?: string; group?: string; all?: boolean; limit?: number; json?: boolean }): CommandResult {
  const letters = await ctx.client.listDeadLetters({
    ...(options.topic ? { topic: options.topic } : {}),
    ...(options.group ? { group: options.group } : {}),
    status: options.all ? 'all' : 'pending',
    ...(options.limit ? { limit: options.limit } : {}),
  });
  if (options.json) ctx.io.out(JSON.stringify(letters, null, 2));
  else for (const letter of letters) ctx.io.out(describeDeadLetter(letter));
  return EXIT.ok;
}

export function describeDeadLetter(letter: DeadLetterEntry): string {
  const replayed = letter.replayed_at ? `replayed ${time(letter.replayed_at)}` : 'pending';
  return [letter.id, time(letter.failed_at), letter.topic, `${letter.partition}/${letter.offset}`, letter.group, letter.reason, `${letter.attempts}`, replayed, letter.error.split('\n')[0]].join('\t');
}

/** `tuneforge admin dlq replay ID`: the message goes again to the group that failed it (groups that handled it skip it). */
export async function replayDeadLetterCommand(ctx: CommandContext, id: string): CommandResult {
  const letter = await ctx.client.replayDeadLetter(id);
  ctx.io.out(`${letter.id} replayed ${time(letter.replayed_at)}: ${letter.topic} ${letter.partition}/${letter.offset} sent again to ${letter.group}`);
  return EXIT.ok;
}
