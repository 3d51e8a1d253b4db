import { RunControl } from './run-control';

describe('RunControl', () => {
  it('continues while running, waits while paused, continues after resume', async () => {
    const control = new RunControl();
    await expect(control.atBoundary()).resolves.toBe('continue');
    control.apply('pause');
    let decided: string | undefined;
    const waiting = control.atBoundary().then((d) => (decided = d));
    await new Promise((r) => setTimeout(r, 20));
    expect(decided).toBeUndefined();
    control.apply('resume');
    await waiting;
    expect(decided).toBe('continue');
  });

  it('cancels a paused run, and cancel is final', async () => {
    const states: string[] = [];
    const control = new RunControl((s) => states.push(s));
    control.apply('pause');
    const waiting = control.atBoundary();
    control.apply('cancel');
    await expect(waiting).resolves.toBe('cancel');
    control.apply('resume');
    await expect(control.atBoundary()).resolves.toBe('cancel');
    expect(states).toEqual(['paused', 'cancelled']);
  });
});
