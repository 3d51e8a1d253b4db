import type { ArtifactStore } from '../artifact-store';
import { ArtifactNotFoundError, InvalidArtifactKeyError, InvalidTenantIdError } from '../errors';
import { collect, keysOf } from './artifact-store-conformance';

/** The scoping part of the conformance suite: tenants see only their own keys, and no key or tenant id escapes its scope. */
export function describeScopeConformance(store: () => ArtifactStore, run: string): void {
  it('isolates tenants from each other', async () => {
    const acme = store().forTenant(`acme-${run}`);
    const globex = store().forTenant(`globex-${run}`);

    expect(await acme.put('files/data.jsonl', 'acme rows')).toMatchObject({ key: 'files/data.jsonl' });
    expect(await globex.exists('files/data.jsonl')).toBe(false);
    await expect(globex.get('files/data.jsonl')).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(await keysOf(globex.list())).toEqual([]);

    await globex.put('files/data.jsonl', 'globex rows');
    expect((await acme.getBuffer('files/data.jsonl')).toString()).toBe('acme rows');
    expect((await globex.getBuffer('files/data.jsonl')).toString()).toBe('globex rows');
    expect(await keysOf(acme.list())).toEqual(['files/data.jsonl']);
    expect(await keysOf(acme.list('files/'))).toEqual(['files/data.jsonl']);
    expect((await acme.stat('files/data.jsonl')).key).toBe('files/data.jsonl');
    expect(await store().exists(`tenants/acme-${run}/files/data.jsonl`)).toBe(true);

    await expect(acme.get('../globex/files/data.jsonl')).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    await expect(acme.get(`/tenants/globex-${run}/files/data.jsonl`)).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    expect(() => acme.forTenant(`globex-${run}`)).toThrow(InvalidTenantIdError);
    expect(acme.forTenant(`acme-${run}`)).toBe(acme);
  });

  it('rejects keys and tenant ids that could escape their scope, with a clear error', async () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a/', 'a\\b', 'a\u0000b']) {
      await expect(store().put(bad, 'x')).rejects.toThrow(InvalidArtifactKeyError);
      await expect(store().get(bad)).rejects.toThrow(InvalidArtifactKeyError);
    }
    await expect(collect(store().list('../'))).rejects.toThrow(InvalidArtifactKeyError);
    await expect(collect(store().list('/abs'))).rejects.toThrow(InvalidArtifactKeyError);
    for (const bad of ['', '..', 'a/b', 'Upper', '-lead', 'x'.repeat(64)]) {
      expect(() => store().forTenant(bad)).toThrow(InvalidTenantIdError);
    }
  });
}
