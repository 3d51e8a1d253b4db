import { InvalidArtifactKeyError, InvalidTenantIdError } from './errors';

/** S3 caps object names at 1024 UTF-8 bytes; the filesystem driver inherits the same cap so both agree. */
const MAX_KEY_BYTES = 1024;

/** Lower-case letters, digits, `-` and `_`: safe as a path segment on every backend and in URLs. */
const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Every tenant's artifacts live under this prefix; nothing else is written there by tenant-scoped stores. */
export const TENANTS_PREFIX = 'tenants/';

/**
 * Rejects keys that could escape a prefix or mean different things on different backends: a
 * leading `/`, `.` or `..` segments, empty segments (`a//b`), a trailing `/` (a "directory"),
 * backslashes (a separator on Windows) and control characters.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidArtifactKeyError(String(key), 'must be a non-empty string');
  if (key.startsWith('/')) throw new InvalidArtifactKeyError(key, "must be relative (no leading '/')");
  if (key.endsWith('/')) throw new InvalidArtifactKeyError(key, "must name an object, not end with '/'");
  assertNoUnsafeSegments(key, key.split('/'));
  assertSafeCharacters(key);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new InvalidArtifactKeyError(key, `must be at most ${MAX_KEY_BYTES} bytes`);
}

/**
 * A list prefix is a plain string prefix as in S3 (`runs/1` matches `runs/1/a` and `runs/10`), so it
 * may be empty or end with `/`, but it must not climb out of where it is applied.
 */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidArtifactKeyError(String(prefix), 'prefix must be a string');
  if (prefix.length === 0) return;
  if (prefix.startsWith('/')) throw new InvalidArtifactKeyError(prefix, "prefix must be relative (no leading '/')");
  const segments = prefix.split('/');
  // The last segment of a prefix is a partial name ('' after a trailing '/' included), so only the
  // complete segments before it must be non-empty.
  assertNoUnsafeSegments(prefix, segments.slice(0, -1));
  const partial = segments[segments.length - 1];
  if (partial === '..' || partial === '.') throw new InvalidArtifactKeyError(prefix, `'${partial}' segments are not allowed`);
  assertSafeCharacters(prefix);
}

export function assertValidTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new InvalidTenantIdError(
      String(tenantId),
      'must be 1-63 characters of lower-case letters, digits, - and _, starting with a letter or digit',
    );
  }
}

export function tenantKeyPrefix(tenantId: string): string {
  assertValidTenantId(tenantId);
  return `${TENANTS_PREFIX}${tenantId}/`;
}

function assertNoUnsafeSegments(key: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === '') throw new InvalidArtifactKeyError(key, "empty path segments ('//') are not allowed");
    if (segment === '.' || segment === '..') throw new InvalidArtifactKeyError(key, `'${segment}' segments are not allowed`);
  }
}

function assertSafeCharacters(key: string): void {
  if (key.includes('\\')) throw new InvalidArtifactKeyError(key, "backslashes are not allowed; use '/' as the separator");
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidArtifactKeyError(key, 'control characters are not allowed');
}
