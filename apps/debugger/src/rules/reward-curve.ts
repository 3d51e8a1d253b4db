import type { CurvePoint } from '@tuneforge/contracts';

/** A reinforcement run's step as the RL rules read it. */
export interface RewardPoint {
  step: number;
  mean: number;
  std: number;
  kl: number;
  zeroStdGroups: number;
  groups: number;
  generatedTokens: number;
}

/** Steps a reinforcement rule needs before it judges a trend (fewer: noise decides). */
export const MIN_REWARD_POINTS = 8;

/** The curve's reinforcement steps, in step order (empty for supervised and DPO runs). */
export function rewardPoints(curve: readonly CurvePoint[]): RewardPoint[] {
  return curve.flatMap((p) => (p.reward && Number.isFinite(p.reward.mean) ? [{ step: p.step, ...p.reward }] : []));
}

const avg = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

/** Mean of `pick` over the first and the last quarter of the points (at least 2 points each): early vs late. */
export function earlyAndLate(points: readonly RewardPoint[], pick: (p: RewardPoint) => number): { early: number; late: number; best: number } {
  const quarter = Math.max(2, Math.floor(points.length / 4));
  const values = points.map(pick);
  // The best rolling (quarter-wide) mean: a collapse is measured from the peak the run reached, not only its start.
  let best = -Infinity;
  for (let i = 0; i + quarter <= values.length; i++) best = Math.max(best, avg(values.slice(i, i + quarter)));
  return { early: avg(values.slice(0, quarter)), late: avg(values.slice(-quarter)), best };
}
