// Decode sessions through the TypeScript face: the tokens model.generate gives, sequences that join and
// leave, removal that frees a slot, top log-probabilities, streaming with stop sequences, and validation.
import { join, resolve } from 'node:path';

import type { GenerateOptions } from './config';
import { EngineError } from './errors';
import { Model } from './model';
import type { DecodeSession, SessionStepResult } from './session';

const TINY = resolve(__dirname, '../../../tools/tiny-model/models');
const LLAMA = join(TINY, 'tiny-llama');

const A = [1, 451, 201, 752];
const B = [1, 616, 201, 36, 71, 436, 306];
const C = [1, 20, 30, 40];
const sampled: GenerateOptions = { maxNewTokens: 10, temperature: 0.8, topK: 50, topP: 0.95, seed: 9 };

interface Collected {
  tokens: number[];
  logprobs: number[];
  finishReason: 'stop' | 'length' | null;
  steps: SessionStepResult[];
}

/** Steps until the session is empty after step `lastEvent`; `at(k)` runs before step k. */
async function drive(session: DecodeSession, at: (k: number) => Promise<void> = async () => {}, lastEvent = 0) {
  const out = new Map<number, Collected>();
  for (let k = 0; k < 1000; k++) {
    await at(k);
    const steps = await session.step();
    if (steps.length === 0 && k >= lastEvent) break;
    for (const s of steps) {
      const c = out.get(s.id) ?? { tokens: [], logprobs: [], finishReason: null, steps: [] };
      c.steps.push(s);
      c.tokens.push(s.token);
      c.logprobs.push(s.logprob);
      if (s.finished) {
        c.tokens.splice(c.tokens.length - s.held);
        c.logprobs.splice(c.logprobs.length - s.held);
        c.finishReason = s.finished;
      }
      out.set(s.id, c);
    }
  }
  return out;
}

describe('DecodeSession', () => {
  let model: Model;
  beforeAll(async () => {
    model = await Model.load(LLAMA, { threads: 2 });
  });
  afterAll(() => model.dispose());

  it.each([
    ['greedy', { maxNewTokens: 12 }],
    ['seeded sampling', sampled],
  ])('gives a lone sequence exactly the tokens and logprobs of model.generate (%s)', async (_name, options) => {
    const [want] = await model.generate([B], options);
    const session = await model.createSession({ maxSequences: 2, maxContext: 64 });
    const id = await session.add(B, options);
    const got = (await drive(session)).get(id);
    expect(got).toEqual({ tokens: want.tokens, logprobs: want.logprobs, finishReason: want.finishReason, steps: expect.any(Array) });
    session.dispose();
  });

  it('does not change a sequence when others join late or leave early', async () => {
    const requests: [number[], GenerateOptions][] = [
      [A, { ...sampled, maxNewTokens: 16 }],
      [B, { maxNewTokens: 8 }],
      [C, { ...sampled, seed: 4, maxNewTokens: 2 }],
      [C, { maxNewTokens: 30 }],
    ];
    const solo = await Promise.all(requests.map(([p, o]) => model.generate([p], o).then((g) => g[0])));
    const session = await model.createSession({ maxSequences: 3, maxContext: 64 });
    const ids: number[] = [];
    const joins: Record<number, number[]> = { 0: [0], 1: [3], 3: [1], 5: [2] };
    const got = await drive(
      session,
      async (k) => {
        if (k === 5) expect(await session.remove(ids[3])).toBe(true); // 3 leaves mid-generation
        for (const r of joins[k] ?? []) ids[r] = await session.add(...requests[r]);
      },
      5,
    );
    for (const r of [0, 1, 2]) {
      const c = got.get(ids[r]) as Collected;
      expect(c.tokens).toEqual(solo[r].tokens);
      expect(c.finishReason).toBe(solo[r].finishReason);
      c.logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(solo[r].logprobs[i], 5));
    }
    const cut = got.get(ids[3]) as Collected;
    expect(cut.tokens).toEqual(solo[3].tokens.slice(0, 4)); // steps 1..4, then removed
    expect(cut.finishReason).toBeNull();
    session.dispose();
  });

  it('frees a removed sequence: its slot takes a new one', async () => {
    const session = await model.createSession({ maxSequences: 1, maxContext: 32 });
    const first = await session.add(A, { maxNewTokens: 20 });
    await session.step();
    await expect(session.add(B, { maxNewTokens: 4 })).rejects.toMatchObject({ code: 'STATE' });
    expect(await session.remove(first)).toBe(true);
    expect(await session.remove(first)).toBe(false);
    await expect(session.remove(7)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const second = await session.add(B, { maxNewTokens: 4 });
    expect(second).toBe(first + 1);
    const got = await drive(session);
    expect([...got.keys()]).toEqual([second]);
    expect(got.get(second)?.tokens).toEqual((await model.generate([B], { maxNewTokens: 4 }))[0].tokens);
    session.dispose();
  });

  it('holds back a stop sequence while streaming and removes it as model.generate does', async () => {
    const [plain] = await model.generate([A], { maxNewTokens: 8 });
    const stop = [plain.tokens.slice(2, 4)];
    const [want] = await model.generate([A], { maxNewTokens: 8, stop });
    const session = await model.createSession({ maxSequences: 1, maxContext: 64 });
    const id = await session.add(A, { maxNewTokens: 8, stop });
    const got = (await drive(session)).get(id) as Collected;
    expect(got.tokens).toEqual(want.tokens);
    expect(got.finishReason).toBe('stop');
    expect(got.steps.map((s) => s.held)).toEqual([0, 0, 1, 2]);
    session.dispose();
  });

  it('reports sorted top logprobs that include the chosen token', async () => {
    const session = await model.createSession({ maxSequences: 2, maxContext: 64 });
    await session.add(A, { maxNewTokens: 5, topLogprobs: 5 });
    await session.add(B, { maxNewTokens: 5 });
    const steps = await Promise.all([session.step(), session.step()]);
    for (const [first, second] of steps) {
      expect(first.top).toHaveLength(5);
      expect(first.top?.[0]).toEqual({ token: first.token, logprob: first.logprob });
      const lps = (first.top ?? []).map((t) => t.logprob);
      expect([...lps].sort((x, y) => y - x)).toEqual(lps);
      expect(second.top).toBeUndefined();
    }
    session.dispose();
  });

  it('validates arguments with clear errors', async () => {
    await expect(model.createSession({ maxSequences: 0, maxContext: 8 })).rejects.toThrow(/maxSequences must be >= 1/);
    await expect(model.createSession({ maxSequences: 1, maxContext: 1.5 })).rejects.toThrow(/maxContext must be an integer/);
    const session = await model.createSession({ maxSequences: 1, maxContext: 4 });
    await expect(session.add([], { maxNewTokens: 2 })).rejects.toThrow(/prompt must be a non-empty/);
    await expect(session.add([1, 99999], { maxNewTokens: 2 })).rejects.toThrow(/prompt\[1\]: token 99999/);
    await expect(session.add(A, { maxNewTokens: 2 })).rejects.toThrow(/leaves no room in a context of 4/);
    await expect(session.add([1], { maxNewTokens: 2, topLogprobs: 21 })).rejects.toThrow(/topLogprobs must be <= 20/);
    await expect(session.add([1], { maxNewTokens: 0 })).rejects.toThrow(/maxNewTokens must be >= 1/);
    await expect(session.remove(-1)).rejects.toThrow(/id must be a non-negative integer/);
    session.dispose();
    await expect(session.step()).rejects.toBeInstanceOf(EngineError);
    await expect(session.step()).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('runs steps off the JavaScript thread, queued with the model\'s other calls', async () => {
    const session = await model.createSession({ maxSequences: 4, maxContext: 256 });
    for (const p of [A, B, C, A]) await session.add(p, { maxNewTokens: 100 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const [steps, , generated] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => session.step())),
      model.forward([A]),
      model.generate([A], { maxNewTokens: 3 }),
    ]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(steps.every((s) => s.length === 4)).toBe(true);
    expect(generated[0].tokens).toHaveLength(3);
    session.dispose();
  });
});
