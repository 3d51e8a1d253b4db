import { DecodeScheduler, type DecodeSessionPort, type GeneratedToken, type SequenceOptions } from './decode-scheduler';

/**
 * A stand-in for the engine's decode session, for this spec only: sequence i emits prompt[0] + 1, + 2, ... one token
 * per step, ends at a stop token or its budget, and records every call so the batching can be checked.
 */
class ScriptedSession implements DecodeSessionPort {
  readonly calls: string[] = [];
  readonly sequences = new Map<number, { next: number; left: number; stop: Set<number> }>();
  failNextStep = false;
  private nextId = 0;

  async add(prompt: readonly number[], options: SequenceOptions): Promise<number> {
    const id = this.nextId++;
    this.sequences.set(id, { next: prompt[0] + 1, left: options.maxNewTokens, stop: new Set(options.stop.map(([token]) => token)) });
    this.calls.push(`add ${id}`);
    return id;
  }

  async step() {
    // The engine's step runs off the JavaScript thread: other callbacks (an abort, a new request) run meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    this.calls.push(`step ${[...this.sequences.keys()].join(',')}`);
    if (this.failNextStep) {
      this.failNextStep = false;
      throw new Error('engine failed');
    }
    return [...this.sequences].map(([id, sequence]) => {
      const token = sequence.next++;
      sequence.left--;
      const finished = sequence.stop.has(token) ? ('stop' as const) : sequence.left === 0 ? ('length' as const) : null;
      return { id, token, logprob: -token / 100, finished };
    });
  }

  remove(id: number): void {
    this.sequences.delete(id);
    this.calls.push(`remove ${id}`);
  }

  dispose(): void {
    this.calls.push('dispose');
  }
}

const options = (maxNewTokens: number, stop: number[][] = []): SequenceOptions => ({ maxNewTokens, temperature: 0, topP: 1, seed: 0, stop, topLogprobs: 0 });

async function drain(generator: AsyncGenerator<GeneratedToken, string>): Promise<{ tokens: number[]; end: string }> {
  const tokens: number[] = [];
  for (;;) {
    const next = await generator.next();
    if (next.done) return { tokens, end: next.value };
    tokens.push(next.value.token);
  }
}

describe('DecodeScheduler', () => {
  it('decodes concurrent requests in shared steps, one token each per step', async () => {
    const session = new ScriptedSession();
    const scheduler = new DecodeScheduler(session, 4);
    const [a, b] = await Promise.all([drain(scheduler.generate([10], options(3))), drain(scheduler.generate([20], options(2)))]);
    expect(a).toEqual({ tokens: [11, 12, 13], end: 'length' });
    expect(b).toEqual({ tokens: [21, 22], end: 'length' });
    expect(session.calls.filter((call) => call.startsWith('step'))).toEqual(['step 0,1', 'step 0,1', 'step 0']);
  });

  it('lets a new request join at the next step boundary, not after the running ones finish', async () => {
    const session = new ScriptedSession();
    const scheduler = new DecodeScheduler(session, 4);
    const first = scheduler.generate([0], options(4));
    await first.next();
    const second = drain(scheduler.generate([100], options(2)));
    const rest = await drain(first);
    expect(await second).toEqual({ tokens: [101, 102], end: 'length' });
    expect(rest.tokens).toEqual([2, 3, 4]);
    expect(session.calls.filter((call) => call.startsWith('step')).length).toBeLessThan(6);
  });

  it('keeps requests beyond maxSequences waiting, in arrival order, until a slot frees', async () => {
    const session = new ScriptedSession();
    const scheduler = new DecodeScheduler(session, 1);
    const results = await Promise.all([drain(scheduler.generate([0], options(2))), drain(scheduler.generate([50], options(1)))]);
    expect(results.map((result) => result.tokens)).toEqual([[1, 2], [51]]);
    expect(session.calls).toEqual(['add 0', 'step 0', 'step 0', 'remove 0', 'add 1', 'step 1', 'remove 1']);
  });

  it('ends a sequence at an end-of-sequence id without emitting it', async () => {
    const scheduler = new DecodeScheduler(new ScriptedSession(), 2);
    expect(await drain(scheduler.generate([0], options(10, [[3]])))).toEqual({ tokens: [1, 2], end: 'stop' });
  });

  it('frees the slot of a consumer that leaves early, at the next step boundary', async () => {
    const session = new ScriptedSession();
    const scheduler = new DecodeScheduler(session, 2);
    const leaving = scheduler.generate([0], options(1000));
    await leaving.next();
    await leaving.return('cancelled');
    const other = await drain(scheduler.generate([10], options(2)));
    expect(other.tokens).toEqual([11, 12]);
    expect(session.calls).toContain('remove 0');
    expect(scheduler.load).toEqual({ running: 0, waiting: 0, cancelled: 1 });
  });

  it('frees the slot when the request is aborted while it waits for a token', async () => {
    const session = new ScriptedSession();
    const scheduler = new DecodeScheduler(session, 2);
    const controller = new AbortController();
    const generator = scheduler.generate([0], options(1_000_000), controller.signal);
    await generator.next();
    setImmediate(() => controller.abort());
    const result = await drain(generator);
    expect(result.end).toBe('cancelled');
    await drain(scheduler.generate([5], options(1)));
    expect(session.sequences.size).toBe(0);
    expect(scheduler.load.running).toBe(0);
  });

  it('fails the running requests when a step fails, and goes on serving new ones', async () => {
    const session = new ScriptedSession();
    const scheduler = new DecodeScheduler(session, 2);
    session.failNextStep = true;
    await expect(drain(scheduler.generate([0], options(3)))).rejects.toThrow('engine failed');
    expect(await drain(scheduler.generate([0], options(2)))).toEqual({ tokens: [1, 2], end: 'length' });
  });

  it('releases the session on dispose', async () => {
    const session = new ScriptedSession();
    const scheduler = new DecodeScheduler(session, 2);
    await drain(scheduler.generate([0], options(1)));
    await scheduler.dispose();
    expect(session.calls.at(-1)).toBe('dispose');
    expect(() => scheduler.generate([0], options(1)).next()).rejects.toThrow('disposed');
  });
});
