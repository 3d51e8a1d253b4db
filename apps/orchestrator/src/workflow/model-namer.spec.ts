import { fineTunedModelName } from '@tuneforge/contracts';
import { DatabaseModelRecords, FilesystemArtifactStore, ModelRegistry } from '@tuneforge/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryModelNamer } from './model-namer';
import { job, orchestratorTestDatabase } from './workflow-spec-fixtures';

describe('RegistryModelNamer and checkpoint names', () => {
  const database = orchestratorTestDatabase();
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'orchestrator-namer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("names each checkpoint ft:...:ckpt-step-<n> and forgets a retired one's name, leaving the others", async () => {
    const store = new FilesystemArtifactStore(dir);
    const records = new DatabaseModelRecords(database());
    const namer = new RegistryModelNamer(store, records);
    const tuned = job('ftjob-retention');
    const names = [await namer.nameCheckpoint(tuned, 'jobs/x/ckpt-1', 1), await namer.nameCheckpoint(tuned, 'jobs/x/ckpt-2', 2)];
    expect(names[0]).toBe(fineTunedModelName({ base: 'tiny', owner: 't1', jobId: 'ftjob-retention', checkpointStep: 1 }));
    const registry = new ModelRegistry(store.forTenant('t1'), 't1', records);

    expect(await namer.forgetCheckpoint(tuned, 1)).toBe(true);
    expect(await namer.forgetCheckpoint(tuned, 1)).toBe(false);

    expect(await registry.resolve(names[0])).toBeUndefined();
    expect(await registry.resolve(names[1])).toMatchObject({ kind: 'checkpoint', artifact: 'jobs/x/ckpt-2' });
  });
});
