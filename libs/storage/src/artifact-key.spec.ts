import { assertValidKey, assertValidPrefix, assertValidTenantId, tenantKeyPrefix } from './artifact-key';
import { InvalidArtifactKeyError, InvalidTenantIdError } from './errors';

describe('artifact keys', () => {
  it.each(['a', 'runs/1/checkpoint-100/model.safetensors', 'files/ünïcode name.jsonl', 'a.b/..c/d..'])('accepts %j', (key) => {
    expect(() => assertValidKey(key)).not.toThrow();
  });

  it.each([
    ['', /non-empty/],
    ['/etc/passwd', /relative/],
    ['a/', /not end with/],
    ['../x', /'\.\.' segments/],
    ['a/../../x', /'\.\.' segments/],
    ['a/./b', /'\.' segments/],
    ['a//b', /empty path segments/],
    ['a\\b', /backslashes/],
    ['a\nb', /control characters/],
    ['x'.repeat(1025), /at most 1024 bytes/],
  ])('rejects %j with a reason', (key, reason) => {
    expect(() => assertValidKey(key)).toThrow(InvalidArtifactKeyError);
    expect(() => assertValidKey(key)).toThrow(reason);
  });

  it('allows list prefixes that are empty, partial or end with a slash, but not ones that climb out', () => {
    for (const prefix of ['', 'runs', 'runs/', 'runs/1', 'runs/1/ch']) expect(() => assertValidPrefix(prefix)).not.toThrow();
    for (const prefix of ['/runs', '../', 'runs/../', 'runs/..', 'a//b', 'a\\b']) {
      expect(() => assertValidPrefix(prefix)).toThrow(InvalidArtifactKeyError);
    }
  });
});

describe('tenant ids', () => {
  it('places a tenant under tenants/<id>/', () => {
    expect(tenantKeyPrefix('acme-1_a')).toBe('tenants/acme-1_a/');
  });

  it.each(['', 'Acme', '-acme', '_acme', 'a/b', '..', 'a.b', 'x'.repeat(64)])('rejects %j', (tenantId) => {
    expect(() => assertValidTenantId(tenantId)).toThrow(InvalidTenantIdError);
  });
});
