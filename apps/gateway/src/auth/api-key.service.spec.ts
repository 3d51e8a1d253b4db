import type { Database } from '@tuneforge/database';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { ConfigError } from '@tuneforge/service-kit';
import { createHash } from 'node:crypto';
import { ConflictError, InvalidRequestError, ObjectNotFoundError } from '../errors/gateway-errors';
import { ApiKeyService } from './api-key.service';
import { ApiKeyRegistry, DEV_API_KEY, parseApiKeys } from './api-keys';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('ApiKeyService (API keys in the database, hashed)', () => {
  let db: Database;
  // One database for the file (opening and migrating one takes seconds), emptied before each test.
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(() => dropTestDatabase(db));
  beforeEach(async () => {
    await db.query('TRUNCATE api_keys, quotas, tenants CASCADE');
  });

  const seeds = (keys: string, admins: string[] = []) => ApiKeyRegistry.fromConfig(parseApiKeys(keys), 'distributed', new Set(admins));

  it('shows a new key once and keeps only its hash', async () => {
    const keys = new ApiKeyService(db);
    const created = await keys.create({ tenant: 'acme', name: 'ci' });
    expect(created.key).toMatch(/^tf-[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ object: 'api_key', tenant: 'acme', name: 'ci', admin: false, key_hint: created.key.slice(0, 8), revoked_at: null });

    const rows = await db.query<Record<string, unknown>>('SELECT * FROM api_keys');
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toBe(sha256(created.key));
    // Nothing in the row holds the key: only its hash and its first 8 characters.
    for (const value of Object.values(rows[0])) expect(String(value)).not.toContain(created.key.slice(8));
    expect(await db.query('SELECT id FROM tenants')).toEqual([{ id: 'acme' }]);

    const listed = await keys.list('acme');
    expect(listed).toEqual([expect.objectContaining({ id: created.id, tenant: 'acme', key_hint: created.key_hint })]);
    expect(Object.keys(listed[0]).sort()).toEqual(['admin', 'created_at', 'id', 'key_hint', 'name', 'object', 'revoked_at', 'tenant']);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(JSON.stringify(listed)).not.toContain(sha256(created.key));
    expect(await keys.callerOf(created.key)).toEqual({ tenant: 'acme', admin: false, keyId: created.id });
  });

  it('refuses a bad tenant name', async () => {
    await expect(new ApiKeyService(db).create({ tenant: 'Not OK' })).rejects.toThrow(InvalidRequestError);
  });

  it('a revoked key stops working at once on the instance that revoked it, and within the cache time on others', async () => {
    let now = 1_000_000;
    const here = new ApiKeyService(db, { now: () => now });
    const elsewhere = new ApiKeyService(db, { now: () => now });
    await here.create({ tenant: 'ops', admin: true });
    const { id, key } = await here.create({ tenant: 'acme' });
    expect(await here.callerOf(key)).toBeDefined();
    expect(await elsewhere.callerOf(key)).toBeDefined();

    const revoked = await here.revoke(id);
    expect(revoked.revoked_at).toBe(Math.floor(now / 1000));
    expect(await here.callerOf(key)).toBeUndefined();
    expect(await elsewhere.callerOf(key)).toBeDefined(); // still cached there
    now += 30_001;
    expect(await elsewhere.callerOf(key)).toBeUndefined();

    // Revoking again answers the key as it is; an unknown id is a 404.
    expect((await here.revoke(id)).revoked_at).toBe(revoked.revoked_at);
    await expect(here.revoke('key-nope')).rejects.toThrow(ObjectNotFoundError);
  });

  it('never caches an unknown key: a key works as soon as it is created', async () => {
    const keys = new ApiKeyService(db);
    expect(await keys.callerOf('tf-not-a-key')).toBeUndefined();
    const created = await keys.create({ tenant: 'acme' });
    expect(await keys.callerOf(created.key)).toMatchObject({ tenant: 'acme' });
  });

  it('will not revoke the last active admin key', async () => {
    const keys = new ApiKeyService(db);
    const first = await keys.create({ tenant: 'ops', admin: true });
    await expect(keys.revoke(first.id)).rejects.toThrow(ConflictError);
    const second = await keys.create({ tenant: 'ops', admin: true });
    await keys.revoke(first.id);
    await expect(keys.revoke(second.id)).rejects.toThrow(/last active admin key/);
  });

  it('seeds the environment\'s keys once: starting again adds nothing, and a revoked seed stays revoked', async () => {
    const registry = seeds('key-one-111:tenant-a,key-two-222:tenant-b', ['key-one-111']);
    expect(await new ApiKeyService(db).seed(registry, 'distributed')).toBe(2);
    const after = await db.query('SELECT id, tenant, key_hash, admin FROM api_keys ORDER BY tenant');
    expect(after).toEqual([
      expect.objectContaining({ tenant: 'tenant-a', key_hash: sha256('key-one-111'), admin: true }),
      expect.objectContaining({ tenant: 'tenant-b', key_hash: sha256('key-two-222'), admin: false }),
    ]);
    expect(await db.query('SELECT id FROM tenants ORDER BY id')).toEqual([{ id: 'tenant-a' }, { id: 'tenant-b' }]);

    const restarted = new ApiKeyService(db);
    expect(await restarted.seed(registry, 'distributed')).toBe(0);
    expect(await db.query('SELECT id, tenant, key_hash, admin FROM api_keys ORDER BY tenant')).toEqual(after);

    await restarted.revoke(after[1].id as string);
    const again = new ApiKeyService(db);
    expect(await again.seed(registry, 'distributed')).toBe(0);
    expect(await again.callerOf('key-two-222')).toBeUndefined();
    expect(await again.callerOf('key-one-111')).toMatchObject({ tenant: 'tenant-a', admin: true });
    // A new entry in the variable is added, the others stay as they are.
    expect(await again.seed(seeds('key-one-111:tenant-a,key-two-222:tenant-b,key-three-333:tenant-c', ['key-one-111']), 'distributed')).toBe(1);
  });

  it('embedded mode\'s development key works without TF_API_KEYS, and is revoked once TF_API_KEYS is set', async () => {
    const keys = new ApiKeyService(db);
    await keys.seed(ApiKeyRegistry.fromConfig(undefined, 'embedded'), 'embedded');
    expect(await keys.callerOf(DEV_API_KEY)).toMatchObject({ tenant: 'default', admin: true });

    const configured = new ApiKeyService(db);
    await configured.seed(ApiKeyRegistry.fromConfig(parseApiKeys('key-one-111:tenant-a'), 'embedded', new Set(['key-one-111'])), 'embedded');
    expect(await configured.callerOf(DEV_API_KEY)).toBeUndefined();
    expect(await configured.callerOf('key-one-111')).toMatchObject({ tenant: 'tenant-a', admin: true });

    // TF_API_KEYS unset again: the development key opens the deployment again.
    const unset = new ApiKeyService(db);
    await unset.seed(ApiKeyRegistry.fromConfig(undefined, 'embedded'), 'embedded');
    expect(await unset.callerOf(DEV_API_KEY)).toMatchObject({ tenant: 'default' });
  });

  it('distributed mode needs TF_API_KEYS until the database holds an active key', async () => {
    const none = ApiKeyRegistry.fromConfig(undefined, 'distributed');
    await expect(new ApiKeyService(db).seed(none, 'distributed')).rejects.toThrow(ConfigError);
    await expect(new ApiKeyService(db).seed(none, 'distributed')).rejects.toThrow(/TF_API_KEYS: required in distributed mode while the database holds no active API key/);
    await new ApiKeyService(db).create({ tenant: 'ops', admin: true });
    await expect(new ApiKeyService(db).seed(none, 'distributed')).resolves.toBe(0);
  });
});
