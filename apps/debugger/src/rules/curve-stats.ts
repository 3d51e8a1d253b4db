import type { CurvePoint } from '@tuneforge/contracts';

/** A curve point whose training loss is a finite number. */
export interface LossPoint {
  step: number;
  loss: number;
}

/** Fewer points than this and curve rules say nothing: a few steps cannot show a trend apart from noise. */
export const MIN_CURVE_POINTS = 10;

/** The share of the curve averaged for its start and its end: long enough to average out batch noise. */
const EDGE_SHARE = 0.1;
const MIN_EDGE_POINTS = 3;

export function finiteLosses(curve: readonly CurvePoint[]): LossPoint[] {
  return curve.flatMap((p) => (p.loss !== null && Number.isFinite(p.loss) ? [{ step: p.step, loss: p.loss }] : []));
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function edgeSize(count: number): number {
  return Math.max(MIN_EDGE_POINTS, Math.round(count * EDGE_SHARE));
}

/** Mean loss over the first and the last tenth of the points (at least three each). */
export function startAndEnd(points: readonly LossPoint[]): { start: number; end: number } {
  const size = Math.min(points.length, edgeSize(points.length));
  return { start: mean(points.slice(0, size).map((p) => p.loss)), end: mean(points.slice(-size).map((p) => p.loss)) };
}

/** How much of its starting loss the curve lost (negative when it rose). */
export function relativeDrop(points: readonly LossPoint[]): number {
  const { start, end } = startAndEnd(points);
  return start > 0 ? (start - end) / start : 0;
}

/** Centered rolling median: follows the trend and ignores a lone spike, which a rolling mean would smear. */
export function rollingMedian(values: readonly number[], window: number): number[] {
  const half = Math.floor(window / 2);
  return values.map((_, i) => median(values.slice(Math.max(0, i - half), Math.min(values.length, i + half + 1))));
}

/**
 * The window used to smooth a loss curve of `count` points: about a twentieth of it, odd, at least 5 and at most
 * 51 (a rolling median costs window·log(window) per point; a curve of 20,000 points must stay in milliseconds).
 */
export function smoothingWindow(count: number): number {
  const window = Math.min(51, Math.max(5, Math.round(count / 20)));
  return window % 2 ? window : window + 1;
}

/** Points the trend-shape measures look at: a long curve is averaged into this many buckets first. */
export const MAX_SHAPE_POINTS = 200;

/**
 * The curve averaged into at most `maxPoints` consecutive buckets (each labelled with its last step): the shape
 * of a 20,000-step run, without its batch noise and at the cost of a 200-step one.
 */
export function bucketMeans(points: readonly LossPoint[], maxPoints = MAX_SHAPE_POINTS): LossPoint[] {
  if (points.length <= maxPoints) return [...points];
  const size = points.length / maxPoints;
  return Array.from({ length: maxPoints }, (_, b) => {
    const bucket = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    return { step: bucket[bucket.length - 1].step, loss: mean(bucket.map((p) => p.loss)) };
  });
}

/** The smoothed trend of the curve, on at most MAX_SHAPE_POINTS points. */
export function smoothedShape(points: readonly LossPoint[]): LossPoint[] {
  const coarse = bucketMeans(points);
  const smooth = rollingMedian(
    coarse.map((p) => p.loss),
    smoothingWindow(coarse.length),
  );
  return coarse.map((p, i) => ({ step: p.step, loss: smooth[i] }));
}

/**
 * How noisy the curve is around its own trend: the mean absolute deviation of each loss from the rolling
 * median, relative to that median. Batch-to-batch noise of a healthy run stays well under 0.1.
 */
export function relativeNoise(points: readonly LossPoint[]): number {
  const losses = points.map((p) => p.loss);
  const trend = rollingMedian(losses, smoothingWindow(losses.length));
  return mean(losses.map((loss, i) => (trend[i] > 0 ? Math.abs(loss - trend[i]) / trend[i] : 0)));
}

/** Points whose loss is more than `factor` times the local trend: the spikes of an unstable optimizer. */
export function spikes(points: readonly LossPoint[], factor: number): LossPoint[] {
  const losses = points.map((p) => p.loss);
  const trend = rollingMedian(losses, smoothingWindow(losses.length));
  return points.filter((p, i) => trend[i] > 0 && p.loss > trend[i] * factor);
}

/** Share of steps on the smoothed curve that go down: near 1 for a curve that only ever descends. */
export function descendingShare(points: readonly LossPoint[]): number {
  const smooth = smoothedShape(points).map((p) => p.loss);
  let down = 0;
  let moved = 0;
  for (let i = 1; i < smooth.length; i++) {
    if (smooth[i] === smooth[i - 1]) continue;
    moved++;
    if (smooth[i] < smooth[i - 1]) down++;
  }
  return moved === 0 ? 0 : down / moved;
}

/** The drop over the last third of the curve, as a share of the drop over the whole curve. */
export function lateDropShare(points: readonly LossPoint[]): number {
  const third = points.slice(Math.floor((points.length * 2) / 3));
  const whole = startAndEnd(points);
  const late = startAndEnd(third);
  const total = whole.start - whole.end;
  return total > 0 ? (late.start - late.end) / total : 0;
}

/** A "tiny monotone decrease" is at most this share of the starting loss over the whole run. */
export const SLOW_DESCENT_MAX_DROP = 0.15;
/** ...on a smoothed curve that goes down on at least this share of its moves... */
export const SLOW_DESCENT_MIN_DESCENDING = 0.8;
/** ...and is still going down at the end: the last third brought at least this share of the drop. */
export const SLOW_DESCENT_MIN_LATE_SHARE = 0.2;

/**
 * The shape of a learning rate that is too small: the loss goes down steadily, by very little, and has not
 * levelled off — more of the same, only faster, is what the run needs. Underfitting excludes this shape.
 */
export function isSlowSteadyDescent(points: readonly LossPoint[]): boolean {
  const drop = relativeDrop(points);
  return drop > 0 && drop <= SLOW_DESCENT_MAX_DROP && descendingShare(points) >= SLOW_DESCENT_MIN_DESCENDING && lateDropShare(points) >= SLOW_DESCENT_MIN_LATE_SHARE;
}
