import { ServedModel } from '@tuneforge/serving';
import { createLogger } from '@tuneforge/telemetry';
import { OverloadedError } from '../errors/inference-errors';
import { LoadedModels } from './loaded-models';
import type { ModelFiles } from './model-files';
import { estimateServingBytes } from './serving-memory';

jest.mock('./serving-memory', () => ({ estimateServingBytes: jest.fn() }));
jest.mock('@tuneforge/serving', () => ({ ServedModel: { load: jest.fn() } }));

/** Model sizes by directory, and what was loaded and disposed, in order. */
const sizes: Record<string, number> = { '/m/a': 40, '/m/b': 40, '/m/c': 40, '/m/huge': 500 };
const events: string[] = [];

function standInModel(dir: string) {
  const model = { busy: false, scheduler: { load: { running: 0, waiting: 0, cancelled: 0 } }, dispose: jest.fn(async () => void events.push(`dispose ${dir}`)) };
  events.push(`load ${dir}`);
  return model as unknown as ServedModel;
}

function loadedModels(budget: number): LoadedModels {
  const files = { resolve: async (_tenant: string, name: string) => ({ name, contentKey: name, dir: `/m/${name}` }) } as unknown as ModelFiles;
  return new LoadedModels(files, budget, { maxSequences: 2, maxContext: 64, threads: 1 }, createLogger('loaded-models-spec', { level: 'silent' }));
}

describe('LoadedModels', () => {
  beforeEach(() => {
    events.length = 0;
    jest.mocked(estimateServingBytes).mockImplementation(async (dir) => sizes[dir]);
    jest.mocked(ServedModel.load).mockImplementation(async (dir) => standInModel(dir));
  });

  it('loads a model once however many requests ask for it at once', async () => {
    const models = loadedModels(100);
    const leases = await Promise.all([models.acquire('t1', 'a'), models.acquire('t2', 'a'), models.acquire('t1', 'a')]);
    expect(events).toEqual(['load /m/a']);
    expect(new Set(leases.map((lease) => lease.model)).size).toBe(1);
    expect(models.usedBytes).toBe(40);
  });

  it('unloads the least recently used idle model to make room', async () => {
    const models = loadedModels(100);
    (await models.acquire('t', 'a')).release();
    (await models.acquire('t', 'b')).release();
    (await models.acquire('t', 'a')).release();
    await models.acquire('t', 'c');
    expect(events).toEqual(['load /m/a', 'load /m/b', 'dispose /m/b', 'load /m/c']);
    expect(models.usedBytes).toBe(80);
  });

  it('never unloads a model a request holds: no room is a 503 to retry', async () => {
    const models = loadedModels(100);
    await models.acquire('t', 'a');
    await models.acquire('t', 'b');
    await expect(models.acquire('t', 'c')).rejects.toThrow(OverloadedError);
    expect(events).toEqual(['load /m/a', 'load /m/b']);
  });

  it('refuses a model larger than the whole budget', async () => {
    await expect(loadedModels(100).acquire('t', 'huge')).rejects.toThrow(/more than this server's memory budget/);
  });

  it('forgets a model that failed to load, so the next request tries again', async () => {
    const models = loadedModels(100);
    jest.mocked(ServedModel.load).mockRejectedValueOnce(new Error('bad weights'));
    await expect(models.acquire('t', 'a')).rejects.toThrow('bad weights');
    expect(models.usedBytes).toBe(0);
    await models.acquire('t', 'a');
    expect(events).toEqual(['load /m/a']);
  });

  it('frees every model on close', async () => {
    const models = loadedModels(100);
    (await models.acquire('t', 'a')).release();
    await models.close();
    expect(events).toEqual(['load /m/a', 'dispose /m/a']);
  });
});
