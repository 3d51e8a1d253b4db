import type { ArtifactStore } from '../artifact-store';
import { ArtifactWriter } from '../artifact-writer';
import { openArtifact } from '../committed-artifact';
import { ArtifactExistsError, ArtifactIntegrityError, ArtifactNotCommittedError } from '../errors';
import { listCommittedArtifacts } from '../list-committed-artifacts';
import { collect } from './artifact-store-conformance';
import { pseudoRandomStream, sha256OfStream } from './pseudo-random-stream';

const MiB = 1024 * 1024;

/** The multi-file artifact part of the conformance suite: commit by manifest, verified reads, listing. */
export function describeMultiFileArtifactConformance(store: () => ArtifactStore, key: (name: string) => string, run: string): void {
  describe('multi-file artifacts', () => {
    it('commits by writing MANIFEST.json last, and reads back verified files', async () => {
      const prefix = key('artifacts/checkpoint-1');
      const writer = await ArtifactWriter.begin(store(), prefix, { kind: 'checkpoint', metadata: { step: 100 } });
      await Promise.all([
        writer.addFile('model.safetensors', pseudoRandomStream(3 * MiB, `${run}-weights`)),
        writer.addFile('optimizer/state.bin', Buffer.from('optimizer')),
      ]);
      expect(await store().exists(`${prefix}/MANIFEST.json`)).toBe(false);
      const manifest = await writer.commit();

      expect(manifest).toMatchObject({ formatVersion: 1, kind: 'checkpoint', metadata: { step: 100 } });
      expect(manifest.files.map((file) => file.path)).toEqual(['model.safetensors', 'optimizer/state.bin']);
      const artifact = await openArtifact(store(), prefix);
      expect(artifact.manifest).toEqual(manifest);
      expect((await artifact.readFile('optimizer/state.bin')).toString()).toBe('optimizer');
      expect(await sha256OfStream(await artifact.openFile('model.safetensors'))).toEqual({
        size: 3 * MiB,
        sha256: artifact.file('model.safetensors').sha256,
      });
      expect(await collect(listCommittedArtifacts(store(), key('artifacts/')))).toEqual([
        { prefix, committedAt: expect.any(Date) },
      ]);
      await expect(ArtifactWriter.begin(store(), prefix, { kind: 'checkpoint' })).rejects.toBeInstanceOf(ArtifactExistsError);
    });

    it('keeps an artifact without its manifest invisible to readers and to listing', async () => {
      const prefix = key('uncommitted/checkpoint-2');
      const writer = await ArtifactWriter.begin(store(), prefix, { kind: 'checkpoint' });
      await writer.addFile('model.safetensors', 'half-written weights');

      await expect(openArtifact(store(), prefix)).rejects.toBeInstanceOf(ArtifactNotCommittedError);
      expect(await collect(listCommittedArtifacts(store(), key('uncommitted/')))).toEqual([]);

      // A retry of the killed writer must say that it owns the leftovers before it may replace them.
      await expect(ArtifactWriter.begin(store(), prefix, { kind: 'checkpoint' })).rejects.toBeInstanceOf(ArtifactExistsError);
      const retry = await ArtifactWriter.begin(store(), prefix, { kind: 'checkpoint', replaceUncommitted: true });
      await retry.addFile('model.safetensors', 'complete weights');
      await retry.commit();
      expect((await (await openArtifact(store(), prefix)).readFile('model.safetensors')).toString()).toBe('complete weights');
      expect(await collect(listCommittedArtifacts(store(), key('uncommitted/')))).toEqual([{ prefix, committedAt: expect.any(Date) }]);
    });

    it('treats committed artifacts nested under a prefix as artifacts, not as leftovers', async () => {
      const finishedRun = key('nested/run-1');
      const checkpoint = await ArtifactWriter.begin(store(), `${finishedRun}/checkpoints/step-10`, { kind: 'checkpoint' });
      await checkpoint.addFile('model.safetensors', 'weights at step 10');
      await checkpoint.commit();

      const model = await ArtifactWriter.begin(store(), finishedRun, { kind: 'model' });
      await model.addFile('model.safetensors', 'final weights');
      await model.commit();
      expect((await collect(listCommittedArtifacts(store(), key('nested/')))).map((ref) => ref.prefix).sort()).toEqual([
        finishedRun,
        `${finishedRun}/checkpoints/step-10`,
      ]);

      const retried = key('nested/run-2');
      const kept = await ArtifactWriter.begin(store(), `${retried}/checkpoints/step-10`, { kind: 'checkpoint' });
      await kept.addFile('model.safetensors', 'kept');
      await kept.commit();
      await store().put(`${retried}/half-written.bin`, 'left by a killed writer');
      const retry = await ArtifactWriter.begin(store(), retried, { kind: 'model', replaceUncommitted: true });
      await retry.commit();
      expect(await store().exists(`${retried}/half-written.bin`)).toBe(false);
      expect((await (await openArtifact(store(), `${retried}/checkpoints/step-10`)).readFile('model.safetensors')).toString()).toBe('kept');
    });

    it('refuses a committed artifact whose listed file is missing or altered', async () => {
      const prefix = key('damaged/report');
      const writer = await ArtifactWriter.begin(store(), prefix, { kind: 'report' });
      await writer.addFile('summary.json', '{"score":1}');
      await writer.addFile('details.json', '{"rows":[]}');
      await writer.commit();

      await store().delete(`${prefix}/summary.json`);
      await expect(openArtifact(store(), prefix)).rejects.toThrow(ArtifactIntegrityError);

      await store().put(`${prefix}/summary.json`, '{"score":9}');
      await expect(openArtifact(store(), prefix)).rejects.toThrow(/sha256/);
    });

    it('works the same inside a tenant', async () => {
      const tenant = store().forTenant(`initech-${run}`);
      const writer = await ArtifactWriter.begin(tenant, 'models/m1', { kind: 'model' });
      await writer.addFile('config.json', '{}');
      await writer.commit();
      expect(await collect(listCommittedArtifacts(tenant))).toEqual([{ prefix: 'models/m1', committedAt: expect.any(Date) }]);
      expect(await collect(listCommittedArtifacts(store().forTenant(`hooli-${run}`)))).toEqual([]);
    });
  });
}
