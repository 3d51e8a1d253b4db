import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ArtifactListing, ArtifactStore } from '../artifact-store';
import {
  ArtifactExistsError,
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  ArtifactTooLargeError,
} from '../errors';
import { describeMultiFileArtifactConformance } from './multi-file-artifact-conformance';
import { describeScopeConformance } from './scope-conformance';
import { measurePeakRssGrowth } from './peak-memory';
import { pseudoRandomStream, sha256OfStream } from './pseudo-random-stream';

export interface ConformanceTarget {
  store: ArtifactStore;
  /** Removes everything the run wrote. */
  dispose(): Promise<void>;
}

const MiB = 1024 * 1024;
const LARGE_OBJECT_BYTES = 200 * MiB;
/**
 * A streamed 200 MB transfer must not hold the object: what it may hold is a few upload parts and
 * the stream buffers, well under half the object.
 */
const LARGE_TRANSFER_MEMORY_BUDGET_BYTES = 96 * MiB;
/** Large enough that the MinIO driver takes its multipart path (8 MiB parts). */
const MULTIPART_OBJECT_BYTES = 20 * MiB;
const SLOW_TEST_TIMEOUT_MS = 180_000;

/**
 * One behavioural suite for every ArtifactStore driver, so that embedded mode and distributed mode
 * cannot drift apart. `openTarget` is called once, before the tests.
 */
export function describeArtifactStoreConformance(driverName: string, openTarget: () => Promise<ConformanceTarget>): void {
  describe(`ArtifactStore conformance: ${driverName}`, () => {
    let target: ConformanceTarget | undefined;
    // Every key of this run lives under its own prefix, so runs against a shared backend never collide.
    const run = `conformance-${randomUUID().slice(0, 8)}`;
    const key = (name: string) => `${run}/${name}`;
    const store = (): ArtifactStore => {
      if (!target) throw new Error('the store under test did not open; see the beforeAll failure');
      return target.store;
    };

    beforeAll(async () => {
      target = await openTarget();
    });

    afterAll(async () => {
      await target?.dispose();
    });

    it('answers ping', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });

    it('puts Buffer, string and stream bodies and reports their size and sha256', async () => {
      const bodies: Array<[string, Buffer | string | Readable, Buffer]> = [
        ['buffer', Buffer.from([0, 1, 2, 255]), Buffer.from([0, 1, 2, 255])],
        ['string', 'héllo artifacts', Buffer.from('héllo artifacts', 'utf8')],
        ['stream', Readable.from([Buffer.from('ab'), Buffer.from('cd')]), Buffer.from('abcd')],
        ['empty', Buffer.alloc(0), Buffer.alloc(0)],
      ];
      for (const [name, body, bytes] of bodies) {
        const result = await store().put(key(`bodies/${name}`), body, { contentType: 'application/x-test' });
        expect(result).toEqual({ key: key(`bodies/${name}`), size: bytes.length, sha256: sha256Hex(bytes) });
        expect(await store().getBuffer(key(`bodies/${name}`))).toEqual(bytes);
        const stat = await store().stat(key(`bodies/${name}`));
        expect(stat).toMatchObject({ key: key(`bodies/${name}`), size: bytes.length, sha256: sha256Hex(bytes), contentType: 'application/x-test' });
        expect(stat.lastModified).toBeInstanceOf(Date);
      }
    });

    it(
      'streams 200 MB up and down with matching sha256 in bounded memory',
      async () => {
        const seed = `${run}-large`;
        const expected = await sha256OfStream(pseudoRandomStream(LARGE_OBJECT_BYTES, seed));

        const upload = await measurePeakRssGrowth(() => store().put(key('large.bin'), pseudoRandomStream(LARGE_OBJECT_BYTES, seed)));
        expect(upload.result).toEqual({ key: key('large.bin'), size: LARGE_OBJECT_BYTES, sha256: expected.sha256 });
        expect(upload.peakGrowthBytes).toBeLessThan(LARGE_TRANSFER_MEMORY_BUDGET_BYTES);

        const download = await measurePeakRssGrowth(async () => sha256OfStream(await store().get(key('large.bin'))));
        expect(download.result).toEqual(expected);
        expect(download.peakGrowthBytes).toBeLessThan(LARGE_TRANSFER_MEMORY_BUDGET_BYTES);

        expect(await store().stat(key('large.bin'))).toMatchObject({ size: LARGE_OBJECT_BYTES, sha256: expected.sha256 });
        await store().delete(key('large.bin'));
      },
      SLOW_TEST_TIMEOUT_MS,
    );

    it('refuses to overwrite an existing key and keeps the original bytes', async () => {
      await store().put(key('once.txt'), 'first');
      await expect(store().put(key('once.txt'), 'second')).rejects.toBeInstanceOf(ArtifactExistsError);
      await expect(store().put(key('once.txt'), Readable.from([Buffer.from('third')]))).rejects.toBeInstanceOf(ArtifactExistsError);
      expect((await store().getBuffer(key('once.txt'))).toString()).toBe('first');
    });

    it(
      'lets exactly one of several concurrent writers create a key, small or multipart',
      async () => {
        for (const [name, size] of [
          ['race-small', 1024],
          ['race-multipart', MULTIPART_OBJECT_BYTES],
        ] as const) {
          const writers = ['a', 'b', 'c'].map((writer) => store().put(key(name), pseudoRandomStream(size, `${run}-${name}-${writer}`)));
          const outcomes = await Promise.allSettled(writers);
          const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
          expect(winners).toHaveLength(1);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ArtifactExistsError);
          }
          const stored = await sha256OfStream(await store().get(key(name)));
          expect(stored).toEqual({ size, sha256: (winners[0] as PromiseFulfilledResult<{ sha256: string }>).value.sha256 });
        }
      },
      SLOW_TEST_TIMEOUT_MS,
    );

    it('reports a missing key with ArtifactNotFoundError and deletes idempotently', async () => {
      const missing = key('missing/nothing-here');
      await expect(store().get(missing)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store().getBuffer(missing)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store().getJson(missing)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store().stat(missing)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store().presignedGetUrl(missing, 60)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      expect(await store().exists(missing)).toBe(false);
      await expect(store().delete(missing)).resolves.toBeUndefined();
    });

    it('deletes an object, after which the key can be created again', async () => {
      await store().put(key('deleted.txt'), 'before');
      expect(await store().exists(key('deleted.txt'))).toBe(true);
      await store().delete(key('deleted.txt'));
      expect(await store().exists(key('deleted.txt'))).toBe(false);
      await expect(store().get(key('deleted.txt'))).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await store().put(key('deleted.txt'), 'after');
      expect((await store().getBuffer(key('deleted.txt'))).toString()).toBe('after');
    });

    it('lists by plain string prefix, as S3 does', async () => {
      for (const name of ['list/a/1', 'list/a/2', 'list/ab', 'list/b/1']) await store().put(key(name), name);
      expect(await keysOf(store().list(key('list/a/')))).toEqual([key('list/a/1'), key('list/a/2')]);
      expect(await keysOf(store().list(key('list/a')))).toEqual([key('list/a/1'), key('list/a/2'), key('list/ab')]);
      expect(await keysOf(store().list(key('list/')))).toEqual([key('list/a/1'), key('list/a/2'), key('list/ab'), key('list/b/1')]);
      expect(await keysOf(store().list(key('list/nothing')))).toEqual([]);
      const [entry] = await collect(store().list(key('list/ab')));
      expect(entry).toMatchObject({ key: key('list/ab'), size: Buffer.byteLength('list/ab') });
      expect(entry.lastModified).toBeInstanceOf(Date);
    });

    it('reads small objects whole, refusing oversized ones and JSON that breaks its schema', async () => {
      await store().put(key('small/config.json'), JSON.stringify({ steps: 3 }));
      expect(await store().getJson(key('small/config.json'))).toEqual({ steps: 3 });
      expect(await store().getJson(key('small/config.json'), z.object({ steps: z.number() }))).toEqual({ steps: 3 });
      await expect(store().getJson(key('small/config.json'), z.object({ steps: z.string() }))).rejects.toBeInstanceOf(ArtifactIntegrityError);
      await store().put(key('small/not-json.txt'), 'not json');
      await expect(store().getJson(key('small/not-json.txt'))).rejects.toBeInstanceOf(ArtifactIntegrityError);
      await expect(store().getBuffer(key('small/config.json'), { maxBytes: 4 })).rejects.toBeInstanceOf(ArtifactTooLargeError);
    });

    describeScopeConformance(store, run);

    it('serves a presigned URL that downloads the object', async () => {
      const bytes = Buffer.from(`presigned ${run}`);
      await store().put(key('presigned.txt'), bytes, { contentType: 'text/plain' });
      const url = await store().presignedGetUrl(key('presigned.txt'), 300);
      expect(await download(url)).toEqual(bytes);
      await expect(store().presignedGetUrl(key('presigned.txt'), 0)).rejects.toBeInstanceOf(RangeError);
    });

    describeMultiFileArtifactConformance(store, key, run);
  });
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Listing order is not part of the contract, so compare sorted. */
export async function keysOf(listing: AsyncIterable<ArtifactListing>): Promise<string[]> {
  return (await collect(listing)).map((entry) => entry.key).sort();
}

async function download(url: string): Promise<Buffer> {
  if (url.startsWith('file:')) return readFile(fileURLToPath(url));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}
