/** A training step's numbers as the orchestrator puts them in a `metrics` event's `data`. */
export interface TrainingMetrics {
  step: number;
  totalSteps: number;
  loss?: number;
  tokensPerSecond?: number;
  etaSeconds?: number;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export function readTrainingMetrics(data: Record<string, unknown> | null | undefined): TrainingMetrics | undefined {
  const step = num(data?.step);
  const totalSteps = num(data?.total_steps);
  if (step === undefined || totalSteps === undefined) return undefined;
  return { step, totalSteps, loss: num(data?.train_loss), tokensPerSecond: num(data?.tokens_per_second), etaSeconds: num(data?.eta_seconds) };
}

/** 75 → `1m15s`, 3700 → `1h01m`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatLoss(loss: number | undefined): string {
  return loss === undefined ? '?' : loss.toFixed(4);
}

export function formatRate(tokensPerSecond: number | undefined): string {
  if (tokensPerSecond === undefined) return '?';
  return tokensPerSecond >= 100 ? tokensPerSecond.toFixed(0) : tokensPerSecond.toFixed(1);
}

/** The line printed per step when stderr is not a terminal (logs, CI, pipes). */
export function formatMetricsLine(m: TrainingMetrics): string {
  return `step ${m.step}/${m.totalSteps}  loss ${formatLoss(m.loss)}  ${formatRate(m.tokensPerSecond)} tok/s  ETA ${formatDuration(m.etaSeconds)}`;
}
