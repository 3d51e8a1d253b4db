import { mapConcurrently } from './concurrently';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapConcurrently', () => {
  it('runs at most `limit` at a time and keeps the items order whatever order they finish in', async () => {
    let running = 0;
    let most = 0;
    const out = await mapConcurrently([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      most = Math.max(most, running);
      for (let t = 0; t < n; t++) await tick();
      running--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(most).toBe(2);
  });

  it('starts nothing after a failure, waits for the items under way, then throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapConcurrently([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 0) throw new Error('item 0 failed');
      await tick();
      finished.push(n);
      return n;
    });
    await expect(run).rejects.toThrow('item 0 failed');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
    expect(await mapConcurrently([], 3, async () => 1)).toEqual([]);
  });
});
