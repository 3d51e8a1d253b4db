import { ServedModel } from '@tuneforge/serving';
import { createLogger } from '@tuneforge/telemetry';
import { OverloadedError } from '../errors/inference-errors';
import { LoadedModels } from './loaded-models';
import type { ModelFiles } from './model-files';
import { estimateAdapterBytes, estimateServingBytes } from './serving-memory';

jest.mock('./serving-memory', () => ({ estimateServingBytes: jest.fn(), estimateAdapterBytes: jest.fn() }));
jest.mock('@tuneforge/serving', () => ({ ServedModel: { load: jest.fn() } }));

/** Model sizes by directory, and what was loaded and disposed, in order. */
const sizes: Record<string, number> = { '/m/a': 40, '/m/b': 40, '/m/c': 40, '/m/huge': 500 };
const events: string[] = [];

function standInModel(dir: string) {
  let slots = 0;
  const model = {
    busy: false,
    loraSlot: 0,
    scheduler: { load: { running: 0, waiting: 0, cancelled: 0 } },
    dispose: jest.fn(async () => void events.push(`dispose ${dir}`)),
    addAdapter: jest.fn(async (adapterDir: string): Promise<{ model: object; bytes: number }> => {
      events.push(`slot ${adapterDir} on ${dir}`);
      return { model: { ...model, loraSlot: ++slots, dispose: jest.fn() }, bytes: 4 };
    }),
  };
  events.push(`load ${dir}`);
  return model as unknown as ServedModel;
}

function loadedModels(budget: number): LoadedModels {
  // 'ft-x-on-a': an adapter x over base a.
  const resolve = async (_tenant: string, name: string) => {
    const adapter = /^ft-(\w+)-on-(\w+)$/.exec(name);
    if (adapter) return { name, contentKey: adapter[1], dir: `/adapters/${adapter[1]}`, base: { contentKey: adapter[2], dir: `/m/${adapter[2]}` } };
    return { name, contentKey: name, dir: `/m/${name}` };
  };
  const files = { resolve } as unknown as ModelFiles;
  return new LoadedModels(files, budget, { maxSequences: 2, maxContext: 64, threads: 1 }, createLogger('loaded-models-spec', { level: 'silent' }));
}

describe('LoadedModels', () => {
  beforeEach(() => {
    events.length = 0;
    jest.mocked(estimateServingBytes).mockImplementation(async (dir) => sizes[dir]);
    jest.mocked(ServedModel.load).mockImplementation(async (dir) => standInModel(dir));
    jest.mocked(estimateAdapterBytes).mockResolvedValue(5);
  });

  it('serves adapters of one base as slots of that base, loaded once, counted by their own bytes', async () => {
    const models = loadedModels(100);
    const [x, y, base] = await Promise.all([models.acquire('t', 'ft-x-on-a'), models.acquire('t', 'ft-y-on-a'), models.acquire('t', 'a')]);
    expect(events.filter((e) => e.startsWith('load'))).toEqual(['load /m/a']);
    expect(events).toContain('slot /adapters/x on /m/a');
    expect(events).toContain('slot /adapters/y on /m/a');
    expect(new Set([x.model.loraSlot, y.model.loraSlot, base.model.loraSlot])).toEqual(new Set([1, 2, 0]));
    expect(x.model.scheduler).toBe(base.model.scheduler);
    // 40 for the base, 4 (the engine's count, replacing the estimate of 5) for each slot.
    expect(models.usedBytes).toBe(48);
    expect(models.sequences).toEqual({ running: 0, waiting: 0, cancelled: 0 });
    // The same adapter again is the same slot.
    const again = await models.acquire('t', 'ft-x-on-a');
    expect(again.model).toBe(x.model);
    for (const lease of [x, y, base, again]) lease.release();
  });

  it('keeps a base while a request holds one of its adapters, and unloads the slots with their base', async () => {
    const models = loadedModels(100);
    const x = await models.acquire('t', 'ft-x-on-a');
    await models.acquire('t', 'b');
    await expect(models.acquire('t', 'c')).rejects.toThrow(OverloadedError);
    x.release();
    await models.acquire('t', 'c');
    expect(events).toEqual(['load /m/a', 'slot /adapters/x on /m/a', 'load /m/b', 'dispose /m/a', 'load /m/c']);
    expect(models.usedBytes).toBe(80);
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
