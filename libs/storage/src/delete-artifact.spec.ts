import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactStore } from './artifact-store';
import { commitLocalDirectory } from './commit-local-directory';
import { deleteArtifact } from './delete-artifact';
import { listCommittedArtifacts } from './list-committed-artifacts';
import { FilesystemArtifactStore } from './filesystem-artifact-store';

async function keys(store: ArtifactStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.list(prefix)) out.push(entry.key);
  return out.sort();
}

describe('deleteArtifact', () => {
  it('removes every file of one artifact and leaves its neighbours (same name prefix included) alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-del-dir-'));
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(256, 1));
    writeFileSync(join(dir, 'state.json'), '{}');
    const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-del-store-'))).forTenant('acme');
    await commitLocalDirectory(store, 'runs/r/checkpoints/step-1', dir, { kind: 'checkpoint' });
    await commitLocalDirectory(store, 'runs/r/checkpoints/step-10', dir, { kind: 'checkpoint' });

    await deleteArtifact(store, 'runs/r/checkpoints/step-1');

    const committed: string[] = [];
    for await (const ref of listCommittedArtifacts(store, 'runs/r/checkpoints/')) committed.push(ref.prefix);
    expect(committed).toEqual(['runs/r/checkpoints/step-10']);
    expect(await keys(store, 'runs/r/checkpoints/step-1/')).toEqual([]);
    expect(await keys(store, 'runs/r/checkpoints/step-10/')).toHaveLength(3);
    // A second delete (a retried retirement) finds nothing and succeeds.
    await expect(deleteArtifact(store, 'runs/r/checkpoints/step-1')).resolves.toBeUndefined();
  });
});
