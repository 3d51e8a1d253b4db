import type { CurvePoint } from '@tuneforge/contracts';
import { formatValue } from './html-escape';
import { LINE_CHART, lineChartAxes, TUNED_COLOR, VALIDATION_COLOR } from './svg-charts';

const BAND_COLOR = 'rgba(47,111,222,0.15)';

/**
 * A reinforcement run's reward per step: the rollouts' mean reward as a line inside a band of ± one standard deviation,
 * and the held-out mean reward at the steps that measured it (every evalInterval) as orange points. The axis spans the
 * rewards seen (graders score in [0, 1] mostly, but a python or multi grader may go beyond). Empty when no point has
 * a reward.
 */
export function rewardCurveSvg(curve: readonly CurvePoint[]): string {
  const points = curve.filter((p): p is CurvePoint & { reward: NonNullable<CurvePoint['reward']> } => p.reward !== undefined && Number.isFinite(p.reward.mean));
  if (points.length === 0) return '';
  const { width, height, left, plotWidth, plotHeight } = LINE_CHART;
  const values = points.flatMap((p) => [p.reward.mean - p.reward.std, p.reward.mean + p.reward.std, ...(p.reward.validMean !== undefined ? [p.reward.validMean] : [])]);
  const low = Math.min(0, ...values);
  const high = Math.max(1, ...values);
  const lastStep = Math.max(...points.map((p) => p.step), 1);
  const x = (step: number) => left + (step / lastStep) * plotWidth;
  const y = (value: number) => 16 + plotHeight - ((value - low) / (high - low)) * plotHeight;
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.reward.mean).toFixed(1)}`).join('');
  const upper = points.map((p) => `${x(p.step).toFixed(1)},${y(p.reward.mean + p.reward.std).toFixed(1)}`);
  const lower = points.map((p) => `${x(p.step).toFixed(1)},${y(p.reward.mean - p.reward.std).toFixed(1)}`).reverse();
  const band = `<polygon class="std" points="${[...upper, ...lower].join(' ')}" fill="${BAND_COLOR}" stroke="none"/>`;
  const steps = points.map((p) => `<circle class="step" cx="${x(p.step).toFixed(1)}" cy="${y(p.reward.mean).toFixed(1)}" r="2" fill="${TUNED_COLOR}"><title>step ${p.step}: reward ${formatValue(p.reward.mean)} ± ${formatValue(p.reward.std)}, KL ${formatValue(p.reward.kl)}, ${p.reward.zeroStdGroups}/${p.reward.groups} groups without signal</title></circle>`);
  const held = points
    .filter((p) => p.reward.validMean !== undefined)
    .map((p) => `<circle class="validation" cx="${x(p.step).toFixed(1)}" cy="${y(p.reward.validMean!).toFixed(1)}" r="4" fill="${VALIDATION_COLOR}"><title>step ${p.step}: held-out reward ${formatValue(p.reward.validMean!)}${p.reward.validPassRate !== undefined ? `, pass rate ${formatValue(p.reward.validPassRate)}` : ''}</title></circle>`);
  const axes = lineChartAxes(formatValue(high), formatValue(low), lastStep, 'rollout reward mean ± std (blue), held-out reward (orange)');
  return `<svg class="chart reward-curve" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="reward per step">${axes}${band}<path class="training" d="${line}" fill="none" stroke="${TUNED_COLOR}" stroke-width="1.5"/>${steps.join('')}${held.join('')}</svg>`;
}
