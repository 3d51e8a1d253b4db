import { fineTunedModelName, MODEL_ARTIFACT_KIND, modelArtifactPrefix } from '@tuneforge/contracts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitLocalDirectory } from './commit-local-directory';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { openDatabase, type Database } from '@tuneforge/database';
import { DatabaseModelRecords, ModelNameTakenError, type ModelRecord } from './model-records';
import { ModelRegistry } from './model-registry';

describe('ModelRegistry', () => {
  let dir: string;
  let store: FilesystemArtifactStore;
  let database: Database;
  let records: DatabaseModelRecords;
  beforeAll(async () => {
    database = await openDatabase('pglite:memory');
    records = new DatabaseModelRecords(database);
  });
  afterAll(() => database.close());
  beforeEach(async () => {
    await database.query('DELETE FROM models');
    dir = mkdtempSync(join(tmpdir(), 'tf-model-registry-'));
    store = new FilesystemArtifactStore(join(dir, 'store'));
    const model = mkdtempSync(join(dir, 'model-'));
    writeFileSync(join(model, 'config.json'), '{}');
    await commitLocalDirectory(store.forTenant('t1'), modelArtifactPrefix('tiny-llama'), model, { kind: MODEL_ARTIFACT_KIND });
    await commitLocalDirectory(store.forTenant('t1'), modelArtifactPrefix('a-report'), model, { kind: 'report' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const tuned = (jobId: string, overrides: Partial<ModelRecord> = {}): ModelRecord => ({
    id: fineTunedModelName({ base: 'tiny-llama', owner: 't1', suffix: 'weather', jobId }),
    kind: 'fine-tuned',
    artifact: `jobs/${jobId}/training/run-1/merged`,
    adapter: `jobs/${jobId}/training/run-1/adapter`,
    baseArtifact: modelArtifactPrefix('tiny-llama'),
    jobId,
    created: 100,
    ...overrides,
  });

  it('resolves base names to their committed model artifacts and ft: names to their records, per tenant', async () => {
    const registry = new ModelRegistry(store.forTenant('t1'), 't1', records);
    const record = tuned('ftjob-0000abcdefgh12345678');
    expect(record.id).toBe('ft:tiny-llama:t1:weather:12345678');
    await registry.register(record);
    await registry.register(record);
    expect(await registry.resolve('tiny-llama')).toMatchObject({ id: 'tiny-llama', kind: 'base', artifact: 'models/tiny-llama', owned_by: 't1' });
    expect(await registry.resolve(record.id)).toMatchObject({ id: record.id, kind: 'fine-tuned', artifact: record.artifact, adapter: record.adapter, jobId: record.jobId });
    // Not a model artifact, not registered, not a name at all, or another tenant's: unknown alike.
    for (const name of ['a-report', 'no-such-model', 'ft:tiny-llama:t1:weather:00000000', '../etc', 'ft:bad name']) expect(await registry.resolve(name)).toBeUndefined();
    expect(await new ModelRegistry(store.forTenant('t2'), 't2', records).resolve(record.id)).toBeUndefined();
    expect((await registry.list()).map((m) => [m.id, m.kind])).toEqual([
      ['tiny-llama', 'base'],
      [record.id, 'fine-tuned'],
    ]);
  });

  it('keeps a name to its artifact, and deletes only fine-tuned names', async () => {
    const registry = new ModelRegistry(store.forTenant('t1'), 't1', records);
    const record = tuned('ftjob-0000abcdefgh12345678');
    await registry.register(record);
    await expect(registry.register({ ...record, artifact: 'jobs/other/merged' })).rejects.toThrow(ModelNameTakenError);
    expect(await registry.delete('tiny-llama')).toBe(false);
    expect(await registry.resolve('tiny-llama')).toBeDefined();
    expect(await registry.delete(record.id)).toBe(true);
    expect(await registry.delete(record.id)).toBe(false);
    expect(await registry.resolve(record.id)).toBeUndefined();
    // A deleted name may be given again.
    await registry.register({ ...record, artifact: 'jobs/other/merged' });
    expect(await registry.resolve(record.id)).toMatchObject({ artifact: 'jobs/other/merged' });
  });

  it('lists fine-tuned models and checkpoints by creation time; a registry without records handles base models only', async () => {
    const registry = new ModelRegistry(store.forTenant('t1'), 't1', records);
    const later = tuned('ftjob-0000abcdefgh12345678', { created: 200 });
    const earlier = tuned('ftjob-0000abcdefgh87654321', { created: 50, kind: 'checkpoint', adapter: null });
    await registry.register(later);
    await registry.register(earlier);
    expect((await registry.list()).map((m) => [m.id, m.kind, m.created])).toEqual([
      ['tiny-llama', 'base', expect.any(Number)],
      [earlier.id, 'checkpoint', 50],
      [later.id, 'fine-tuned', 200],
    ]);
    const basesOnly = new ModelRegistry(store.forTenant('t1'), 't1', undefined);
    expect((await basesOnly.list()).map((m) => m.id)).toEqual(['tiny-llama']);
    await expect(basesOnly.resolve(later.id)).rejects.toThrow(/base models only/);
    await expect(basesOnly.register(later)).rejects.toThrow(/base models only/);
  });

  it('operator-wide base models: listed for every tenant as system\'s, a tenant\'s own of that name wins, copied into a tenant on first use', async () => {
    const model = mkdtempSync(join(dir, 'shared-'));
    writeFileSync(join(model, 'config.json'), '{"shared": true}');
    writeFileSync(join(model, 'model.safetensors'), 'weights');
    expect(await ModelRegistry.forOperator(store).addBaseModel('shared-model', model)).toBe('registered');
    expect(await ModelRegistry.forOperator(store).addBaseModel('tiny-llama', model)).toBe('registered');

    const t1 = ModelRegistry.forTenant(store, 't1', records);
    const t2 = ModelRegistry.forTenant(store, 't2', records);
    expect((await t1.list()).filter((m) => m.kind === 'base').map((m) => `${m.id}:${m.owned_by}`).sort()).toEqual(['shared-model:system', 'tiny-llama:t1']);
    expect((await t2.list()).map((m) => `${m.id}:${m.owned_by}`).sort()).toEqual(['shared-model:system', 'tiny-llama:system']);
    expect(await store.forTenant('t2').exists('models/shared-model/config.json')).toBe(false);

    // Two first uses at once: one copies, both resolve to the tenant's own copy of the same files.
    const [a, b] = await Promise.all([t2.resolve('shared-model'), t2.resolve('shared-model')]);
    expect(a).toMatchObject({ id: 'shared-model', kind: 'base', owned_by: 'system', artifact: 'models/shared-model' });
    expect(b).toEqual(a);
    expect((await store.forTenant('t2').getBuffer('models/shared-model/model.safetensors')).toString()).toBe('weights');
    expect((await t2.list()).filter((m) => m.id === 'shared-model')).toHaveLength(1);
    // t1's own tiny-llama is not replaced by the operator's.
    expect(await t1.resolve('tiny-llama')).toMatchObject({ owned_by: 't1' });
    expect((await store.forTenant('t1').getBuffer('models/tiny-llama/config.json')).toString()).toBe('{}');
  });
});
