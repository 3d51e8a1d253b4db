import { ConfigError } from '@tuneforge/service-kit';
import { ApiKeyRegistry, DEV_API_KEY, DEV_TENANT, generateApiKey, hashApiKey, keyHint, newApiKeyId, parseApiKeys } from './api-keys';

describe('parseApiKeys', () => {
  it('maps each key to its tenant', () => {
    expect([...parseApiKeys('key-one-1:tenant-a, key-two-2:tenant_b')]).toEqual([
      ['key-one-1', 'tenant-a'],
      ['key-two-2', 'tenant_b'],
    ]);
  });

  it.each([
    ['no-tenant-here', /entry 1 must be key:tenant/],
    ['short:tenant', /entry 1: a key is 8-200 characters/],
    ['long-enough-key:Tenant', /entry 1: tenant "Tenant"/],
    ['key-one-1:a,key-one-1:b', /entry 2 repeats a key/],
  ])('refuses %s', (value, message) => {
    expect(() => parseApiKeys(value)).toThrow(message);
  });
});

describe('ApiKeyRegistry', () => {
  it('finds the tenant of a known key and nothing for others', () => {
    const registry = new ApiKeyRegistry(parseApiKeys('key-one-1:tenant-a,key-two-2:tenant-b'));
    expect(registry.tenantOf('key-two-2')).toBe('tenant-b');
    expect(registry.tenantOf('key-two-')).toBeUndefined();
    expect(registry.tenantOf('')).toBeUndefined();
  });

  it('falls back to the development key in embedded mode only (distributed mode then seeds nothing)', () => {
    const embedded = ApiKeyRegistry.fromConfig(undefined, 'embedded');
    expect(embedded.tenantOf(DEV_API_KEY)).toBe(DEV_TENANT);
    expect(embedded.developmentFallback).toBe(true);
    expect(ApiKeyRegistry.fromConfig(undefined, 'distributed').entries()).toEqual([]);
  });

  it('does not seed the development key once keys are configured', () => {
    const registry = ApiKeyRegistry.fromConfig(parseApiKeys('key-one-1:tenant-a'), 'embedded');
    expect(registry.tenantOf(DEV_API_KEY)).toBeUndefined();
    expect(registry.developmentFallback).toBe(false);
  });

  it('marks admin keys, each of which must be a configured key', () => {
    const registry = ApiKeyRegistry.fromConfig(parseApiKeys('key-one-1:tenant-a,key-two-2:tenant-b'), 'distributed', new Set(['key-two-2']));
    expect(registry.entries()).toEqual([
      { key: 'key-one-1', tenant: 'tenant-a', admin: false },
      { key: 'key-two-2', tenant: 'tenant-b', admin: true },
    ]);
    expect(() => ApiKeyRegistry.fromConfig(parseApiKeys('key-one-1:tenant-a'), 'distributed', new Set(['key-nine-9']))).toThrow(ConfigError);
  });
});

describe('generated keys', () => {
  it('are tf- and 32 random bytes; the hint is the first 8 characters; ids sort by time', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^tf-[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
    expect(keyHint(key)).toBe(key.slice(0, 8));
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(newApiKeyId(1000) < newApiKeyId(2000)).toBe(true);
  });
});
