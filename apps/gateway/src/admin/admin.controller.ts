import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { AdminRoute } from '../auth/admin-route';
import { ApiKeyService } from '../auth/api-key.service';
import { validateRequest } from '../http/validate';
import { QuotaService } from '../quotas/quota.service';
import { DeadLettersService } from './dead-letters.service';

const tenantSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a tenant is 1-63 lower-case letters, digits, - and _, starting with a letter or digit');

const createApiKeyBodySchema = z.strictObject({
  tenant: tenantSchema,
  name: z.string().min(1).max(200).nullable().optional(),
  admin: z.boolean().optional(),
});

const listApiKeysQuerySchema = z.strictObject({ tenant: tenantSchema.optional() });

const listDeadLettersQuerySchema = z.strictObject({
  topic: z.string().min(1).max(249).optional(),
  group: z.string().min(1).max(249).optional(),
  status: z.enum(['pending', 'replayed', 'all']).default('pending'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().min(1).optional(),
});

const limit = (max: number) => z.number().int().min(0).max(max).nullable().optional();
const setQuotasBodySchema = z.strictObject({
  concurrent_jobs: limit(2_147_483_647),
  stored_bytes: limit(Number.MAX_SAFE_INTEGER),
  trained_tokens_per_day: limit(Number.MAX_SAFE_INTEGER),
});

/**
 * Tuneforge's operator endpoints, admin keys only (a tenant's key gets 403): API keys — created (the key shown
 * once), listed (never a hash or a key), revoked —, each tenant's quotas with its usage, and the dead letters.
 */
@Controller('v1/admin')
@AdminRoute()
export class AdminController {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly quotas: QuotaService,
    private readonly deadLetters: DeadLettersService,
  ) {}

  @Post('api_keys')
  @HttpCode(200)
  createKey(@Body() body: unknown) {
    return this.keys.create(validateRequest(createApiKeyBodySchema, body ?? {}));
  }

  @Get('api_keys')
  async listKeys(@Query() query: Record<string, unknown>) {
    const { tenant } = validateRequest(listApiKeysQuerySchema, query);
    const data = await this.keys.list(tenant);
    return { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  @Delete('api_keys/:id')
  revokeKey(@Param('id') id: string) {
    return this.keys.revoke(id);
  }

  @Get('quotas/:tenant')
  getQuotas(@Param('tenant') tenant: string) {
    return this.quotas.status(tenant);
  }

  @Put('quotas/:tenant')
  setQuotas(@Param('tenant') tenant: string, @Body() body: unknown) {
    return this.quotas.set(tenant, validateRequest(setQuotasBodySchema, body ?? {}));
  }

  /** The dead letters consumers recorded, newest first (pending ones unless `status` says otherwise). */
  @Get('dead_letters')
  async listDeadLetters(@Query() query: Record<string, unknown>) {
    const { data, hasMore } = await this.deadLetters.list(validateRequest(listDeadLettersQuerySchema, query));
    return { object: 'list', data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  /** Sends a dead letter's message again, to the group that failed it. */
  @Post('dead_letters/:id/replay')
  @HttpCode(200)
  replayDeadLetter(@Param('id') id: string) {
    return this.deadLetters.replay(id);
  }
}
