import { ConfigError } from '@tuneforge/service-kit';
import { ApiKeyRegistry, DEV_API_KEY, DEV_TENANT, parseApiKeys } from './api-keys';

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

  it('falls back to the development key in embedded mode only', () => {
    expect(ApiKeyRegistry.fromConfig(undefined, 'embedded').tenantOf(DEV_API_KEY)).toBe(DEV_TENANT);
    expect(() => ApiKeyRegistry.fromConfig(undefined, 'distributed')).toThrow(ConfigError);
    expect(() => ApiKeyRegistry.fromConfig(undefined, 'distributed')).toThrow(/TF_API_KEYS: required in distributed mode/);
  });

  it('does not accept the development key once keys are configured', () => {
    const registry = ApiKeyRegistry.fromConfig(parseApiKeys('key-one-1:tenant-a'), 'embedded');
    expect(registry.tenantOf(DEV_API_KEY)).toBeUndefined();
  });
});
